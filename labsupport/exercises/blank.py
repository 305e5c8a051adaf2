"""The blank of a generated exercise, importable without writing it out.

``tools/make_exercises.py`` puts one line in the setup cell of every exercise notebook::

    from labsupport.exercises.blank import *

That defines the placeholder the learner replaces, so the placeholder itself appears only in the
cells where the learner answers (the banner says "replace each blank"; a setup cell that spelled it
out invited the learner to replace it there too, which broke the "not attempted yet" check).

>>> from labsupport.exercises.blank import *
>>> from labsupport.checks import contains_placeholder
>>> contains_placeholder({"cpus": ____})
True
"""
from labsupport.checks.placeholder import ____

__all__ = ["____"]
