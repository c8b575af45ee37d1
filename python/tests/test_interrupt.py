"""Ctrl-C (SIGINT) stops a long run after the step in progress and raises KeyboardInterrupt."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import spark
from conftest import small_network

LONG = 10 ** 9  # steps: hours of running, unless interrupted


def interrupt_after(seconds):
    timer = threading.Timer(seconds, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    return timer


def interrupt_while_running(sim, after_steps=1000, sent=None):
    """Sends SIGINT from another thread once the run in progress has passed `after_steps` steps; appends
    the time it did to `sent`."""
    def watch():
        while sim.step_count < after_steps:
            time.sleep(0.01)
        if sent is not None:
            sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def test_sigint_stops_a_long_run_promptly_and_the_simulation_stays_usable():
    sim = spark.Simulation(small_network())
    sim.inputs["signal"][:] = 1.0
    sent = []
    timer = interrupt_while_running(sim, sent=sent)
    with pytest.raises(KeyboardInterrupt) as interrupted:
        sim.run(LONG, record=["pool.out_spikes", "pool.soma.potential"])
    raised = time.monotonic()
    timer.join()
    assert raised - sent[0] < 1.0  # a step takes microseconds; the whole run would take hours
    stopped = sim.step_count
    assert 1000 <= stopped < LONG
    # What was recorded until then comes with the exception.
    partial = interrupted.value.recording
    assert partial.steps_run == stopped and partial["pool.soma.potential"].shape == (stopped, 20)
    assert partial.spikes["pool.out_spikes"].steps.max() < stopped
    # Usable: it continues exactly as an uninterrupted simulation would.
    rec = sim.run(100, record=["pool.out_spikes"])
    reference = spark.Simulation(small_network())
    reference.inputs["signal"][:] = 1.0
    reference.run(stopped)
    expected = reference.run(100, record=["pool.out_spikes"])
    np.testing.assert_array_equal(rec.spikes["pool.out_spikes"].units, expected.spikes["pool.out_spikes"].units)
    np.testing.assert_array_equal(rec.spikes["pool.out_spikes"].steps, expected.spikes["pool.out_spikes"].steps)


def test_pythons_sigint_handler_is_back_after_a_run():
    sim = spark.Simulation(small_network())
    sim.run(10)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1.0)  # the handler raises here


def test_a_python_handler_runs_and_the_run_stops():
    calls = []
    previous = signal.signal(signal.SIGINT, lambda *_: calls.append(1))
    try:
        sim = spark.Simulation(small_network(), executor="tbb", threads=2)
        timer = interrupt_while_running(sim)
        rec = sim.run(LONG)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == [1]
    assert 1000 <= rec.steps_run == sim.step_count < LONG


def test_an_ignored_sigint_does_not_stop_a_run():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        sim = spark.Simulation(small_network())
        timer = interrupt_after(0.05)
        rec = sim.run(200000)
        timer.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert rec.steps_run == 200000
