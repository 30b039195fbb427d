"""Build hook: ship the top-level templates/ inside the kpgen package.

All metadata is in pyproject.toml.  The templates stay in one place in the
tree (templates/); building copies them to kpgen/templates/ in the build
directory, where kpgen.render.templates_dir() finds them once installed.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


class BuildPyWithTemplates(build_py):
    def run(self):
        super().run()
        src = os.path.join(HERE, "templates")
        dst = os.path.join(self.build_lib, "kpgen", "templates")
        if os.path.isdir(dst):
            shutil.rmtree(dst)
        shutil.copytree(src, dst)


setup(cmdclass={"build_py": BuildPyWithTemplates})
