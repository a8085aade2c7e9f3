"""The module links no LibTorch, and installs into a virtual environment or the user's site with
`cmake --install build --component python --prefix P` (docs/python.md)."""

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import valor

PROBE = ("import valor, sys; env = valor.make('breakout'); obs, _ = env.reset(seed=1); "
         "print(valor.__file__); print(obs.shape)")


def test_links_no_libtorch():
    libs = subprocess.run(["ldd", valor._core.__file__], check=True, capture_output=True,
                          text=True).stdout
    for name in ("libtorch", "libc10", "libcaffe2", "libgomp"):
        assert name not in libs, f"{valor._core.__file__} links {name}:\n{libs}"


@pytest.fixture
def build_dir():
    build = os.environ.get("VALOR_BUILD_DIR")
    if not build:
        pytest.skip("VALOR_BUILD_DIR is not set (ctest sets it)")
    return pathlib.Path(build)


def install(build_dir, prefix):
    subprocess.run([shutil.which("cmake") or "cmake", "--install", str(build_dir), "--component",
                    "python", "--prefix", str(prefix)], check=True, capture_output=True)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONUSERBASE")}
    env.update(extra)
    return env


def test_install_into_a_venv(build_dir, tmp_path):
    venv = tmp_path / "venv"
    # Debian's numpy comes from the system site; valor is installed into the venv.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True)
    install(build_dir, venv)
    out = subprocess.run([str(venv / "bin" / "python"), "-c", PROBE], check=True,
                         capture_output=True, text=True, env=clean_env(), cwd=tmp_path).stdout
    path, shape = out.splitlines()
    assert path.startswith(str(venv)) and shape == "(4, 10, 10)"


def test_install_into_the_user_site(build_dir, tmp_path):
    base = tmp_path / "userbase"  # stands for ~/.local, Python's default user base
    install(build_dir, base)
    out = subprocess.run([sys.executable, "-c", PROBE], check=True, capture_output=True,
                         text=True, env=clean_env(PYTHONUSERBASE=str(base)),
                         cwd=tmp_path).stdout
    path, shape = out.splitlines()
    assert path.startswith(str(base)) and shape == "(4, 10, 10)"
