"""The deployment package: the zip Chalice builds, with hash-based bytecode in it.

Lambda's `/var/task` is read-only, and Chalice zips every file with a fixed 1980
timestamp. Without `.pyc` files in the zip, every cold start compiles every module it
imports (most of our modules' import time); timestamp-based ones would be stale there.
Hash-based bytecode that is not checked against its source (PEP 552, what
`compileall --invalidation-mode unchecked-hash` writes) is used as it is.

`chalice deploy` cannot be handed a zip, but it reuses the package Chalice keeps in the
project's `.chalice/deployments/` when the code and requirements are the same. So the
deploy runs `chalice package` in its generated copy of the project, adds the bytecode to
the package Chalice kept there, and `chalice deploy` in that copy uploads it as it is.
"""

from __future__ import annotations

import compileall
import importlib.util
import os
import py_compile
import subprocess  # nosec B404  (runs chalice with a fixed argv, never a shell)
import sys
import tempfile
import zipfile
from pathlib import Path

# Shipped by a dependency, never imported: icalendar's own tests are half of icalendar's
# size, and their bytecode would be more than the rest of the package's.
LEFT_OUT = ("icalendar/tests/",)
# Where Lambda unpacks the package: the file names the bytecode carries for tracebacks.
LAMBDA_TASK_ROOT = "/var/task"


def build_package(project: Path, stage: str, region: str) -> Path:
    """Build the deployment zip of a generated project (`infra.deploy.build_project`) as
    `chalice deploy` will, add its bytecode, and return where it is."""
    with tempfile.TemporaryDirectory() as out:
        command = [str(Path(sys.executable).with_name("chalice")), "--project-dir", str(project)]
        command += ["package", "--pkg-format", "terraform", "--stage", stage, out]
        done = subprocess.run(  # noqa: S603 - a fixed argv, no shell  # nosec B603
            command, env={**os.environ, "AWS_DEFAULT_REGION": region}, capture_output=True, text=True, check=False
        )
    if done.returncode:
        raise RuntimeError(f"chalice package failed:\n{done.stdout}{done.stderr}")
    archive = kept_package(project)
    if not archive.exists():
        raise RuntimeError(f"chalice package kept no {archive.name} for chalice deploy to reuse")
    add_bytecode(archive)
    return archive


def kept_package(project: Path) -> Path:
    """Where Chalice keeps this project's package, the one `chalice deploy` reuses
    (Chalice's own name for it: a hash of the code and requirements, and the runtime)."""
    from chalice.config import Config
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.utils import UI, OSUtils

    # The runtime is this interpreter's version, so the bytecode written here is the
    # runtime's own (its magic number and cache tag).
    packager = LambdaDeploymentPackager(OSUtils(), None, UI())  # naming it needs no dependency builder
    return Path(packager.deployment_package_filename(str(project), Config().lambda_python_version))


def add_bytecode(archive: Path) -> None:
    """Rewrite the zip with unchecked hash-based bytecode beside every module, in
    `__pycache__` where the importer looks, and without LEFT_OUT. Chalice's timestamps
    and file modes are kept, so the same code still makes the same zip."""
    with tempfile.TemporaryDirectory() as scratch, zipfile.ZipFile(archive) as source:
        kept = [info for info in source.infolist() if not info.filename.startswith(LEFT_OUT)]
        for info in kept:
            if info.filename.endswith(".py"):
                source.extract(info, scratch)
        compiled = compileall.compile_dir(
            scratch,
            ddir=LAMBDA_TASK_ROOT,
            quiet=1,
            optimize=0,  # Lambda runs without -O: the plain `.pyc` name
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        if not compiled:
            raise RuntimeError(f"a module of {archive.name} does not compile (see above)")
        rewritten = archive.with_suffix(".bytecode.zip")
        with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as out:
            for info in kept:
                out.writestr(info, source.read(info))
                if info.filename.endswith(".py"):
                    bytecode = zipfile.ZipInfo(importlib.util.cache_from_source(info.filename), info.date_time)
                    bytecode.external_attr = info.external_attr
                    bytecode.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(bytecode, (Path(scratch) / bytecode.filename).read_bytes())
    rewritten.replace(archive)


def unpack(archive: Path, task_root: Path) -> Path:
    """Unpack a package as Lambda does: into a directory nothing may write to (as root,
    the modes do not stop a write: a process that must not write also runs with `-B`)."""
    with zipfile.ZipFile(archive) as package:
        package.extractall(task_root)
    for directory, folders, files in os.walk(task_root):
        for name in files:
            (Path(directory) / name).chmod(0o444)
        for name in folders:
            (Path(directory) / name).chmod(0o555)
    task_root.chmod(0o555)
    return task_root
