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
