"""Time-step control from a local error estimate, shared by the families that choose their own dt.

Elementary error-per-step controller (Hairer, Norsett & Wanner, Solving ODEs I, section II.4): after a step of
size dt with a scaled local error estimate err (err = 1 is the tolerance), the next step is

    dt_new = dt * min(grow, max(shrink, safety * err^(-1 / (p + 1))))

with p the order of the estimate's error (err ~ dt^(p+1)). Steps are accepted whatever err is: the controller
suits stiff, unconditionally stable schemes whose error is smooth in time (the implicit parabolic solves here);
its state is the next step, which the model checkpoints. A variable-order scheme passes the order of the estimate
it is steered by with each step.
"""
import math
from dataclasses import dataclass


@dataclass
class StepController:
    order: int                # p: the estimate is O(dt^(p + 1))
    safety: float = 0.9
    grow: float = 2.0
    shrink: float = 0.2

    def next_dt(self, dt, err, order=None):
        """The step after one of size `dt` whose scaled error estimate was `err` (1 = on the tolerance), of order
        `order` (default: the controller's)."""
        if err <= 0.0 or not math.isfinite(err):
            return dt * (self.grow if err == 0.0 else self.shrink)
        factor = self.safety * err ** (-1.0 / ((order or self.order) + 1))
        return dt * min(self.grow, max(self.shrink, factor))
