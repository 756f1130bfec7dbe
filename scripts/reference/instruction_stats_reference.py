#!/usr/bin/env python3
# Reference values of the instruction-count statistics (InstructionCountTests.testFlooredStatisticsMatchScipy):
# the paired t on log ratios with the residual variation raised to the floor (sqrt(2) x 0.1%), and, above
# the floor, plain Welch on log counts as scipy computes it. Run: python3 scripts/reference/instruction_stats_reference.py
import numpy as np
from scipy import stats
# paired, floor applies
a = np.array([1.0e9, 1.02e9, 0.99e9]); la = np.log(a)
lb = la + np.log(1.01) + np.array([1e-8, -1e-8, 0.0])
d = lb - la
sd = max(d.std(ddof=1), 0.001 * np.sqrt(2)); se = sd / np.sqrt(3); q = stats.t.ppf(0.975, 2)
m = d.mean(); t = m / se
print("paired", repr(np.exp(m)), repr(np.exp(m - q*se)), repr(np.exp(m + q*se)), repr(2*stats.t.sf(abs(t), 2)))
# unpaired, observed above floor: scipy's Welch directly
a = np.array([100., 101., 102., 99.]); b = np.array([103., 104., 106., 102.])
r = stats.ttest_ind(np.log(b), np.log(a), equal_var=False)
ci = r.confidence_interval(0.95)
print("welch", repr(np.exp(np.log(b).mean()-np.log(a).mean())), repr(np.exp(ci.low)), repr(np.exp(ci.high)), repr(r.pvalue))
