"""Shared fixtures of the end-to-end pipeline test: prerequisites, the
server family (a test that takes `family` runs once per server: llama-stack
0.7.3 and ogx 1.5.0), stage timings (printed, shown in the summary, written
to target/e2e-timings.txt), and the outcome of each test phase for fixtures
that print logs on failure."""

import importlib.util
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from e2e_pod import FAMILIES, TIMINGS, TIMINGS_FILE, Server, pod_sim  # noqa: E402


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


@pytest.fixture(params=FAMILIES, ids=lambda family: family.name)
def family(request):
    """The server the test runs against (e2e_pod.ServerFamily); a missing
    server venv fails the test: `make setup-e2e` installs both."""
    if request.param.problem:
        pytest.fail(f"{request.param.name} server: {request.param.problem}", pytrace=False)
    return request.param


@pytest.fixture
def servers(tmp_path, failed):
    """Starts servers (`start(pod, family)`); always stops them, and prints
    their log if the test failed."""
    started = []

    def start(pod, family):
        workdir = tmp_path / "server"
        workdir.mkdir(exist_ok=True)
        server = Server(family, pod.server_env(workdir, family), workdir)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        if failed():
            print(f"\n----- {server.family.name} server log ({server.log_path}) -----\n{server.logs()}")


def pytest_sessionfinish(session):
    if TIMINGS:
        TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS_FILE.write_text("".join(f"{stage}\t{seconds:.2f} s\n" for stage, seconds in TIMINGS.items()))


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("e2e pipeline timings")
        width = max(len(stage) for stage in TIMINGS)
        for stage, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{stage:<{width}} {seconds:7.2f} s")
        terminalreporter.write_line(f"(written to {TIMINGS_FILE})")
