"""A notebook in a script: load a network file, run it, plot it, change a parameter, run again.

The cells (# %%) run one after the other in Jupyter, VS Code or as a script:

    PYTHONPATH=build/python /usr/bin/python3 python/examples/alif_notebook.py [OUT_DIR]

writes OUT_DIR/alif_raster.png, OUT_DIR/alif_potential.png and OUT_DIR/alif_threshold.png
(OUT_DIR defaults to spark-python-out).
"""
# %%
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # files, no window
import matplotlib.pyplot as plt
import numpy as np

import spark

HERE = pathlib.Path(__file__).resolve().parent
NETWORK = HERE.parent.parent / "examples" / "networks" / "alif.txtpb"
OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "spark-python-out")
OUT.mkdir(parents=True, exist_ok=True)

# %% Load the network file: Poisson input -> a recurrent pool of 200 adaptive LIF neurons -> readout.
net = spark.load(NETWORK)
print(net)
print("the pool's soma:", spark.describe("adaptive_leaky_soma").parameter("threshold_delta"))

# %% Run one second (1000 steps of 1 ms), recording the pool's spikes and membrane potentials.
sim = spark.Simulation(net)
rec = sim.run(1000, record=["pool.out_spikes", "pool.soma.potential"])
steps, units = rec.spikes["pool.out_spikes"]
rate = len(steps) / (200 * rec.steps_run * rec.dt / 1000)
print(f"{len(steps)} spikes, {rate:.1f} Hz per neuron")

# %% A raster plot of the spikes.
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(steps * rec.dt, units, "|", markersize=3, color="k")
ax.set(xlabel="time [ms]", ylabel="neuron", title="alif.txtpb: spikes of the pool")
fig.tight_layout()
fig.savefig(OUT / "alif_raster.png", dpi=100)

# %% The membrane potential of the two most active neurons.
potential = rec["pool.soma.potential"]  # shape (1000 steps, 200 neurons), mV relative to rest
most_active = np.argsort(np.bincount(units, minlength=200))[-2:]
fig, ax = plt.subplots(figsize=(8, 3))
for unit in most_active:
    ax.plot(rec.steps * rec.dt, potential[:, unit], label=f"neuron {unit}")
ax.set(xlabel="time [ms]", ylabel="potential [mV]", title="membrane potential")
ax.legend(loc="upper right")
fig.tight_layout()
fig.savefig(OUT / "alif_potential.png", dpi=100)

# %% Change one parameter and run again: a larger threshold increment per spike (stronger adaptation).
rates = {}
for delta in (0.0, 25.0, 100.0, 400.0):  # 100 mV is the default
    changed = net.copy().set("pool.soma.threshold_delta", delta)
    spikes = spark.Simulation(changed).run(1000, record=["pool.out_spikes"]).spikes["pool.out_spikes"]
    rates[delta] = len(spikes.steps) / (200 * 1.0)
    print(f"threshold_delta = {delta:5} mV: {rates[delta]:.1f} Hz per neuron")
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(list(rates), list(rates.values()), "o-")
ax.set(xlabel="threshold_delta [mV]", ylabel="rate [Hz]", title="adaptation lowers the rate")
fig.tight_layout()
fig.savefig(OUT / "alif_threshold.png", dpi=100)
print("wrote", ", ".join(str(OUT / f) for f in ("alif_raster.png", "alif_potential.png", "alif_threshold.png")))
