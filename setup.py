# scrapyd-deploy builds its egg with `python setup.py bdist_egg` and writes a setup.py of
# its own when there is none (project name "project", and a Scrapy entry point setuptools
# ignores next to pyproject.toml); this one defers everything to pyproject.toml.
from setuptools import setup

setup()
