"""kpgen - generator of Kernel PlugIn driver projects for kp_runtime."""

__version__ = "0.1.0"

# Version of the device description format (the top-level `kpgen:` key).
FORMAT_VERSION = 1
