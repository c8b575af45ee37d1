"""Closed loop: a spiking controller steered every step from Python.

A tiny environment in numpy: a point on a line must follow a target that moves along a sine. Each
step, Python encodes the tracking error into the network's two inputs (the rate of "push right" and
"push left" Poisson encoders), steps the network, and reads the two readouts (the smoothed firing rates
of two LIF populations) as the action that moves the point. The inputs are numpy views of the C++
buffers, so writing them copies nothing.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/closed_loop.py
"""
import numpy as np

import spark

UNITS = 32        # per population
STEPS = 4000      # 4 s of 1 ms steps
GAIN = 0.002      # position change per step and unit of readout difference


def controller() -> spark.Network:
    """push_right -> encoder -> LIF population -> readout "right"; the same for "left"."""
    net = spark.Network(seed=1)
    for side in ("right", "left"):
        (net.add(f"enc_{side}", "poisson_spiker", max_freq=200.0)
            .add(side, "lif_neuron", {"units": [UNITS], "inhibitory_rate": 0.0, "synapses.kernel.scale": 3000.0})
            .add(f"rate_{side}", "exponential_integrator", num_outputs=1, saturation_freq=50.0)
            .input(f"push_{side}", f"enc_{side}.signal", ("float", (UNITS,)))
            .connect(f"enc_{side}.spikes", f"{side}.in_spikes")
            .connect(f"{side}.out_spikes", f"rate_{side}.spikes")
            .output(side, f"rate_{side}.signal"))
    return net


class Tracking:
    """The environment: a point at `position` and a target moving along a sine."""

    def __init__(self) -> None:
        self.position = 0.0
        self.t = 0

    def target(self) -> float:
        return 0.8 * np.sin(2 * np.pi * self.t / 2000)

    def error(self) -> float:
        return self.target() - self.position

    def step(self, action: float) -> None:
        self.position = float(np.clip(self.position + action, -1.0, 1.0))
        self.t += 1


def run(closed: bool) -> np.ndarray:
    sim = spark.Simulation(controller())
    push_right, push_left = sim.inputs["push_right"], sim.inputs["push_left"]  # views: no copy per step
    env = Tracking()
    errors = np.empty(STEPS)
    for t in range(STEPS):
        error = env.error()
        errors[t] = error
        push_right[:] = np.clip(4 * error, 0.0, 1.0)
        push_left[:] = np.clip(-4 * error, 0.0, 1.0)
        sim.step()
        action = GAIN * (sim.output("right")[0] - sim.output("left")[0])
        env.step(action if closed else 0.0)
    return errors


def main() -> None:
    closed, still = run(closed=True), run(closed=False)
    rms_closed = np.sqrt(np.mean(closed[STEPS // 4:] ** 2))
    rms_still = np.sqrt(np.mean(still[STEPS // 4:] ** 2))
    print(f"tracking error (RMS, after the first second): closed loop {rms_closed:.3f}, "
          f"a point that does not move {rms_still:.3f}")
    if not rms_closed < 0.25 * rms_still:
        raise SystemExit("the closed loop did not track the target")


if __name__ == "__main__":
    main()
