"""Equivariance testing: one assertion for every module of the project, and a pytest plugin."""

from ._assert import TOLERANCES, EquivarianceError, assert_equivariant, equivariance_errors, tolerance_for

__all__ = ["TOLERANCES", "EquivarianceError", "assert_equivariant", "equivariance_errors", "tolerance_for"]
