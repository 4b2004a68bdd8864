"""Writing output files safely: CSV cells that cannot run as formulas, whole files and folders.

What every writer of the package shares:

* :func:`escape_formulas` / :func:`write_csv` -- a text cell that starts with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
  single quote in front (``'=HYPERLINK(...)``), as OWASP advises against CSV
  injection, so that a spreadsheet shows it as text instead of running it.
  Numbers are never touched: a numeric column is written as it is, and a text
  cell that reads as a number (``-9``, ``+3``, ``-0.5``) stays as it is.
  Column names are treated like text cells.
* :class:`AtomicFolder` -- an output folder is built in a temporary folder
  beside its destination (``.<name>.tmp-XXXX``) and moved into place with one
  rename at the end, so it is written whole or not at all.  The temporary
  folder holds a marker file (:data:`MARKER`) naming the process that made it;
  a later run clears such folders left by a process that no longer exists
  (killed with SIGKILL, a power cut) -- and never a folder without the marker.
  Folders are created with the permissions the umask allows (not 0700), so
  colleagues on a shared server can read a report.
* :func:`write_bytes_atomic` / :func:`write_text_atomic` -- one file written
  through a uniquely named temporary file in its own folder and renamed into
  place, with the permissions of a normal file (what the umask allows).
* :func:`sha256_file` / :func:`sha256_bytes` -- the one SHA-256 hasher of the
  package (data file fingerprints, codebook and report provenance).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .exceptions import DataFileError, UsageError

__all__ = [
    "FORMULA_PREFIXES",
    "MARKER",
    "AtomicFolder",
    "clear_stale",
    "csv_text",
    "escape_formulas",
    "sha256_bytes",
    "sha256_file",
    "write_bytes_atomic",
    "write_csv",
    "write_text_atomic",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Name of the marker file inside a temporary output folder of this package.
MARKER = ".mutualaid-partial"
_MARKER_HEAD = "mutualaid_analysis partial output folder"
#: Folders no output may be written under.
_SYSTEM_ROOTS = ("/proc", "/sys", "/dev")


# --------------------------------------------------------------------------- CSV
def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _escape_cell(value: object) -> object:
    if isinstance(value, str) and value and value[0] in FORMULA_PREFIXES and not _is_number(value):
        return "'" + value
    return value


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell (and column name) that could run as a formula quoted.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading single quote, unless it reads as a number
    (``"-9"``).  Numeric, boolean and datetime columns are returned unchanged;
    so is ``frame`` itself when nothing needs quoting.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    DataFrame
        A copy where something changed, else ``frame``.
    """
    out = frame
    for i in range(frame.shape[1]):
        s = frame.iloc[:, i]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype):
                new = [_escape_cell(c) for c in cats]
                if list(new) != list(cats):
                    if out is frame:
                        out = frame.copy()
                    # pandas-stubs: isetitem takes no Series (pandas does)
                    out.isetitem(i, s.cat.rename_categories(new))  # type: ignore[arg-type]
            continue
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue
        mask = s.map(lambda v: _escape_cell(v) is not v, na_action="ignore")
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            if out is frame:
                out = frame.copy()
            fixed = s.copy()
            fixed[mask] = "'" + s[mask].astype(str)
            out.isetitem(i, fixed)  # type: ignore[arg-type]  # as above
    names = [_escape_cell(c) for c in frame.columns]
    if names != list(frame.columns):
        if out is frame:
            out = frame.copy()
        out.columns = names
    return out


def csv_text(frame: pd.DataFrame, *, lineterminator: str = "\n") -> str:
    """The CSV text of ``frame`` (no index), formulas escaped (:func:`escape_formulas`)."""
    return escape_formulas(frame).to_csv(index=False, lineterminator=lineterminator)


def write_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    encoding: str = "utf-8",
    lineterminator: str = "\n",
) -> Path:
    """Write ``frame`` as CSV (no index, formulas escaped), whole or not at all.

    The text goes to a temporary file in the same folder, renamed into place.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    write_bytes_atomic(path, csv_text(frame, lineterminator=lineterminator).encode(encoding))
    return path


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename.

    The temporary file has a unique name (:func:`tempfile.mkstemp` beside
    ``path``), so two writers never share it; the file written gets the
    permissions of a normal new file (``0666`` less the umask), not the
    ``0600`` of a temporary file.  On any failure ``path`` is left as it was.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it private; the output is not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(
    path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8"
) -> None:
    """Write ``text`` to ``path`` whole or not at all (:func:`write_bytes_atomic`).

    Line ends are written as they are in ``text`` (no translation to the
    platform's), so the file is the same on every system.
    """
    write_bytes_atomic(path, text.encode(encoding))


# --------------------------------------------------------------------------- hashing
_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """The hex SHA-256 of ``data`` (64 lowercase hex digits)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file, reading it in chunks.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    str
        64 lowercase hex digits.

    Raises
    ------
    DataFileError
        If the file does not exist or cannot be read.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise DataFileError(f"Cannot read {os.fspath(path)}: {exc.strerror or exc}") from exc
    return digest.hexdigest()


# --------------------------------------------------------------------------- folders
def umask() -> int:
    """The process's umask (read without changing it for longer than a call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def output_problem(out: Path) -> str | None:
    """Why ``out`` cannot be an output folder, or None: system folders, non-folders."""
    absolute = Path(os.path.abspath(out))
    for root in _SYSTEM_ROOTS:
        with contextlib.suppress(ValueError):
            if absolute.resolve().is_relative_to(root) or absolute.is_relative_to(root):
                return f"{out} is under {root}, a system folder; choose another output folder."
    if out.exists() and not out.is_dir():
        return f"{out} exists and is not a folder; choose another output folder."
    parent = absolute.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a folder, so {out} cannot be created in it."
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {parent} (permission denied), so {out} cannot be written."
    return None


def _marker_text() -> str:
    return f"{_MARKER_HEAD}\npid={os.getpid()}\nhost={socket.gethostname()}\n"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    except OSError:  # pragma: no cover - e.g. an invalid pid
        return False
    return True


def _is_stale(folder: Path) -> bool:
    """True when ``folder`` carries our marker and the process that made it has gone."""
    marker = folder / MARKER
    try:
        if folder.is_symlink() or not folder.is_dir() or not marker.is_file():
            return False
        lines = marker.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    if not lines or lines[0] != _MARKER_HEAD:
        return False
    fields = dict(line.partition("=")[::2] for line in lines[1:])
    if fields.get("host") != socket.gethostname():
        return False  # another machine's process: cannot tell whether it still runs
    try:
        pid = int(fields.get("pid", ""))
    except ValueError:
        return False
    return pid != os.getpid() and not _pid_alive(pid)


def clear_stale(dest: Path) -> list[Path]:
    """Remove the temporary folders of ``dest`` that a vanished process of ours left.

    Only folders named ``.<name>.tmp-*`` or ``.<name>.old-*`` beside ``dest``
    that hold our :data:`MARKER` naming a process of this machine that no
    longer runs.  A left-behind ``.old-*`` folder holds the previous output
    (the run died between the two renames of a replacement): when ``dest``
    is missing, it is moved back into place instead of being deleted.

    Returns
    -------
    list of pathlib.Path
        The folders removed (or restored).
    """
    dest = Path(os.path.abspath(dest))
    parent = dest.parent
    if not parent.is_dir():
        return []
    done = []
    for kind in ("old", "tmp"):
        for folder in sorted(parent.glob(f".{dest.name}.{kind}-*")):
            if not _is_stale(folder):
                continue
            with contextlib.suppress(OSError):
                if kind == "old" and not dest.exists() and (folder / "old").is_dir():
                    os.replace(folder / "old", dest)
                shutil.rmtree(folder)
                done.append(folder)
    return done


class AtomicFolder:
    """A folder built beside ``dest`` and moved into place whole, or removed.

    Use :meth:`open` (creates the temporary folder: fails early when ``dest``
    cannot be written), write into :attr:`path`, then :meth:`commit`; on any
    failure call :meth:`discard` (or use the object as a context manager,
    which discards unless committed).

    Parameters
    ----------
    dest : path
        The folder to create or replace.
    """

    def __init__(self, dest: str | os.PathLike[str]) -> None:
        self.dest = Path(os.path.abspath(dest))
        self.path: Path | None = None
        self._created: list[Path] = []

    def open(self) -> Path:
        """Clear stale folders, create the parents and the marked temporary folder."""
        problem = output_problem(self.dest)
        if problem:
            raise UsageError(problem)
        missing = []
        parent = self.dest.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        try:
            for folder in reversed(missing):
                folder.mkdir()
                self._created.append(folder)
            clear_stale(self.dest)
            self.path = Path(
                tempfile.mkdtemp(prefix=f".{self.dest.name}.tmp-", dir=self.dest.parent)
            )
            self.path.chmod(0o777 & ~umask())  # mkdtemp makes it private; the output is not
            (self.path / MARKER).write_text(_marker_text(), encoding="utf-8")
        except OSError as exc:
            self.discard()
            raise UsageError(
                f"cannot write the output folder {self.dest}: {exc.strerror or exc}."
            ) from exc
        return self.path

    def __enter__(self) -> Path:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def commit(self, *, replace: bool = False, merge: Iterable[str] | None = None) -> Path:
        """Move the folder into place.

        Parameters
        ----------
        replace : bool, default False
            Replace an existing ``dest`` (the caller has checked it may be).
        merge : iterable of str, optional
            Instead, move these files into an existing ``dest`` (one rename each).

        Returns
        -------
        pathlib.Path
            ``dest``.
        """
        if self.path is None:
            raise RuntimeError("AtomicFolder.commit() before open()")
        tmp, dest = self.path, self.dest
        if merge is not None and dest.is_dir():
            for name in merge:
                os.replace(tmp / name, dest / name)
            shutil.rmtree(tmp)
        elif dest.exists() and replace:
            trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
            (trash / MARKER).write_text(_marker_text(), encoding="utf-8")
            os.replace(dest, trash / "old")
            try:
                (tmp / MARKER).unlink()
                os.replace(tmp, dest)
            except OSError:
                os.replace(trash / "old", dest)
                raise
            shutil.rmtree(trash, ignore_errors=True)
        else:
            if dest.is_dir() and not any(dest.iterdir()):
                dest.rmdir()
            (tmp / MARKER).unlink()
            os.replace(tmp, dest)
        self.path = None
        self._created = []
        return dest

    def discard(self) -> None:
        """Remove the temporary folder and any parent folder :meth:`open` created."""
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._created = []
