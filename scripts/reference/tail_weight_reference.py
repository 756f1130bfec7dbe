#!/usr/bin/env python3
"""Reference values for the suite-level tail weight (TailWeight.swift), from scipy's F distribution.

For degrees of freedom (a, b): the median m of |log F(a, b)| (the threshold half of the packages exceed under
normal noise), and P(|log F(a, b)| > 1). CalibrationTests.testTailWeightAgainstScipy holds these numbers.
"""
import numpy as np
from scipy.optimize import brentq
from scipy.stats import f


def exceedance(m, a, b):
    return 1 - (f.cdf(np.exp(m), a, b) - f.cdf(np.exp(-m), a, b))


for a, b in [(2, 2), (4, 4), (9, 9), (2, 4), (1.5, 3.2)]:
    median = brentq(lambda m: exceedance(m, a, b) - 0.5, 1e-9, 50, xtol=1e-14)
    print(f"({a}, {b}, {median!r}, {float(exceedance(1.0, a, b))!r}),")

# The moment reading of κ (TailWeight.momentEstimate) for fixed variances: solve
#   Σ (s²_a − s²_b)² = Σ s²_a·s²_b · (2/d_a + 2/d_b + κ·(1/(d_a + 1) + 1/(d_b + 1))).
A = [[0.00, 0.01, 0.05], [0.10, 0.12, 0.11, 0.30], [1.0, 1.02, 0.99], [0.5, 0.52, 0.51, 0.49, 0.7]]
B = [[0.02, 0.015, 0.01], [0.2, 0.21, 0.19], [1.1, 1.3, 1.12, 1.11], [0.0, 0.01, 0.02, 0.015, 0.018]]
squares = normal = per_kurtosis = 0.0
for a, b in zip(A, B):
    va, vb = np.var(a, ddof=1), np.var(b, ddof=1)
    da, db = len(a) - 1, len(b) - 1
    squares += (va - vb) ** 2
    normal += va * vb * (2 / da + 2 / db)
    per_kurtosis += va * vb * (1 / (da + 1) + 1 / (db + 1))
print("moment kappa:", repr(float((squares - normal) / per_kurtosis)))
