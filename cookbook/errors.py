"""Errors a user can act on: printed as one line by the CLI, never as a traceback."""


class CookbookError(Exception):
    """A problem with the user's input or environment. `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(CookbookError):
    exit_code = 2


class DataError(CookbookError):
    """Malformed data. The message reads `file:line: field: problem`."""

    exit_code = 2


class ModelSourceError(CookbookError):
    exit_code = 3


class RunDirInUse(CookbookError):
    """Another `cookbook train` holds the run directory's lock (cookbook/run_lock.py)."""

    exit_code = 2


class CacheBuildInUse(CookbookError):
    """Another process is building the same cached folder (cookbook/paths.py cached_build)."""

    exit_code = 2


class CheckpointWriteError(CookbookError):
    """A checkpoint could not be written (full disk, permissions); the run stays resumable from the last one."""

    exit_code = 1


class SandboxError(CookbookError):
    """Bad input to the sandbox (a missing file, a non-positive limit): nothing ran. A program that fails,
    hangs or crashes is not an error; it is a verdict (cookbook/sandbox/verdict.py)."""

    exit_code = 2
