"""kpgen - generator of Kernel PlugIn driver projects for kp_runtime."""

__version__ = "0.2.0"

# Version of the device description format (the top-level `kpgen:` key).
FORMAT_VERSION = 2
