"""Reads an ELF executable's program headers: is it static (no dynamic
loader, no libc needed)?"""

import pathlib
import struct


def is_static_elf(path):
    """A 64-bit little-endian ELF executable without a PT_INTERP program header."""
    data = pathlib.Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{path} is not a 64-bit little-endian ELF file"
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    types = [struct.unpack_from("<I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    return 3 not in types  # PT_INTERP
