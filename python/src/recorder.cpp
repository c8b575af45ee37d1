#include "recorder.hpp"

#include <algorithm>

#include <pybind11/numpy.h>

#include <spark/components/builtin.hpp>
#include <spark/core/spike_index.hpp>

#include "convert.hpp"

namespace spark::python {

Recorder::Recorder(const graph::Simulation& sim, const std::vector<std::string>& labels, std::int64_t steps) {
    // Room for the first rows only: a run may stop early (Ctrl-C), and a long one grows as it goes.
    const auto rows = static_cast<std::size_t>(std::min<std::int64_t>(steps, 4096));
    for (const auto& label : labels) {
        if (known(label)) continue;
        tools::TraceTarget t =
            tools::resolve_trace(sim, sim.network(), sim.templates(), components::builtin_registry(), label);
        if (t.spec.kind == PayloadKind::spikes) {
            spikes_.push_back({std::move(t), {}, {}});
        } else {
            traces_.push_back({std::move(t), {}});
            traces_.back().data.reserve(rows * traces_.back().target.spec.bytes());
        }
    }
}

void Recorder::record(const graph::Simulation& sim) {
    const std::int64_t step = sim.step_count() - 1;
    for (auto& s : spikes_)
        for_each_spike(sim.read(s.target.node, s.target.port), [&](std::size_t unit) {
            s.steps.push_back(step);
            s.units.push_back(static_cast<std::int64_t>(unit));
        });
    for (auto& t : traces_) {
        const ConstArrayRef view = sim.read(t.target.node, t.target.port);
        const auto* bytes = static_cast<const std::byte*>(view.data);
        t.data.insert(t.data.end(), bytes, bytes + t.target.spec.bytes());
    }
}

py::dict Recorder::take(std::int64_t steps_run) {
    py::dict spikes, traces;
    for (auto& s : spikes_) {
        const auto n = static_cast<py::ssize_t>(s.steps.size());
        spikes[py::str(s.target.label)] =
            py::make_tuple(adopt(std::move(s.steps), {n}), adopt(std::move(s.units), {n}));
    }
    for (auto& t : traces_) {
        std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(steps_run)};
        for (std::size_t d : t.target.spec.shape.dims()) shape.push_back(static_cast<py::ssize_t>(d));
        traces[py::str(t.target.label)] = adopt_bytes(std::move(t.data), t.target.spec.dtype, std::move(shape));
    }
    py::dict out;
    out["spikes"] = spikes;
    out["traces"] = traces;
    return out;
}

bool Recorder::known(const std::string& label) const {
    return std::any_of(spikes_.begin(), spikes_.end(), [&](const Spikes& s) { return s.target.label == label; }) ||
           std::any_of(traces_.begin(), traces_.end(), [&](const Trace& t) { return t.target.label == label; });
}

}  // namespace spark::python
