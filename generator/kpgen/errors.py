"""The one user-facing error type of kpgen."""


class KpgenError(Exception):
    """An error in the user's input or environment.

    The CLI prints it as ``kpgen: error: FILE:LINE: field: message`` (the
    parts that are unknown are left out) and exits with status 1.  Anything
    else escaping the CLI is a bug in kpgen.
    """

    def __init__(self, message, file=None, line=None, field=None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self):
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += ":%d" % self.line
            where += ": "
        if self.field:
            where += self.field + ": "
        return where + self.message
