"""Shared fixtures of the end-to-end pipeline test: prerequisites, stage
timings (printed, shown in the summary, written to target/e2e-timings.txt),
and the outcome of each test phase for fixtures that print logs on failure."""

import importlib.util
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e_pod import TIMINGS, TIMINGS_FILE, Server, pod_sim  # noqa: E402


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request):
    return any(getattr(request.node, f"rep_{when}", None) is not None
               and getattr(request.node, f"rep_{when}").failed for when in ("setup", "call"))


@pytest.fixture
def failed(request):
    """Callable: did this test fail so far (setup or call)?"""
    return lambda: _failed(request)


@pytest.fixture(scope="session", autouse=True)
def prerequisites():
    missing = []
    if not pathlib.Path(pod_sim.BIN).is_file():
        missing.append(f"{pod_sim.BIN} (cargo build)")
    if not pod_sim.unshare_works():
        missing.append("mount namespaces (run as root with unshare -m): the pod's volumes sit at their real paths")
    if importlib.util.find_spec("llama_stack") is None:
        missing.append(f"llama-stack in {sys.executable} (pip install -r tests/e2e/requirements.txt)")
    if missing:
        pytest.fail("end-to-end prerequisites missing: " + "; ".join(missing), pytrace=False)


@pytest.fixture
def servers(tmp_path, failed):
    """Starts servers; always stops them, and prints their log if the test failed."""
    started = []

    def start(pod):
        workdir = tmp_path / "server"
        workdir.mkdir(exist_ok=True)
        server = Server(sys.executable, pod.server_env(workdir), workdir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        if failed():
            print(f"\n----- llama-stack server log ({server.log_path}) -----\n{server.logs()}")


def pytest_sessionfinish(session):
    if TIMINGS:
        TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS_FILE.write_text("".join(f"{stage}\t{seconds:.2f} s\n" for stage, seconds in TIMINGS.items()))


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("e2e pipeline timings")
        for stage, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{stage:<45} {seconds:7.2f} s")
        terminalreporter.write_line(f"(written to {TIMINGS_FILE})")
