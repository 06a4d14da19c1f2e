"""Detection: YAML rules (``rules/``) loaded into typed models and evaluated against Listings.

``load_rules(paths) -> RuleSet`` validates every rule file (a broken file raises
:class:`RuleFileError`, ``file:line:col: what is wrong — how to fix it``);
``Detector(ruleset, recall_index).detect(listing) -> list[Hit]`` is a pure function.
"""

from crawler.detect.engine import Detector, Hit, RuleSet
from crawler.detect.loader import default_rules_dir, load_rules
from crawler.detect.problems import Problem, RuleFileError

__all__ = ["Detector", "Hit", "Problem", "RuleFileError", "RuleSet", "default_rules_dir", "load_rules"]
