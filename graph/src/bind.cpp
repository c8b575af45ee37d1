// The bind pass: the step plan, every view bound for both step parities; and its interpretation.
#include <algorithm>

#include <spark/core/sum.hpp>
#include <spark/core/text.hpp>

#include "step_plan.hpp"

namespace spark::graph::detail {

namespace {

// Binds input `i` of node `v` for a step of `parity`: one source is read in place; currents from
// several are summed in wire order (by the component, or by the runtime into the input's scratch);
// anything else from several is concatenated in wire order into the scratch.
void bind_input(const FlatGraph& g, const Components& components, const Inference& inference, Storage& storage,
                std::size_t v, std::size_t i, std::size_t parity, NodeStep& at) {
    const FlatNode& node = g.nodes[v];
    const auto& sources = node.inputs[i];
    if (sources.empty()) {
        at.inputs.emplace_back();
        return;
    }
    if (sources.size() == 1) {
        at.inputs.push_back(source_view(storage, components, sources[0], parity));
        return;
    }
    const PortSpec& merged = *inference.nodes[v].inputs[i];
    std::vector<std::byte>& scratch = storage.scratch[v][i];
    if (merged.kind == PayloadKind::current) {
        for (const auto& source : sources) at.summands[i].push_back(source_view(storage, components, source, parity));
        if (node.info->inputs[i].summed_by_component) {
            at.inputs.emplace_back();
            return;
        }
        at.sums.push_back({i, reinterpret_cast<float*>(scratch.data())});
        at.inputs.push_back(ConstArrayRef(scratch.data(), merged.size(), merged.dtype));
        return;
    }
    SpikeIndex* index = storage.concat_index[v][i].get();
    ConcatIndexOp concat{index, {}, {}};
    // A reader of the list alone needs the codes only in steps whose list is stale.
    std::vector<GatherOp>& gathers =
        index && components[v]->reads_spike_list_only(i) ? concat.gathers_when_stale : at.gathers;
    std::size_t offset = 0;
    for (const auto& source : sources) {
        const std::size_t bytes = source_spec(inference, source).bytes();
        const ConstArrayRef view = source_view(storage, components, source, parity);
        gathers.push_back(GatherOp{static_cast<const std::byte*>(view.data), scratch.data() + offset, bytes});
        concat.parts.push_back({view.spike_index, offset});
        offset += bytes;
    }
    if (index) at.concats.push_back(std::move(concat));
    at.inputs.push_back(ConstArrayRef(scratch.data(), merged.size(), merged.dtype, index));
}

Task bind_task(const FlatGraph& g, const Components& components, const Inference& inference, Storage& storage,
               std::size_t v) {
    Task task;
    task.node = v;
    task.component = components[v].get();
    task.after = same_step_producers(g.nodes[v]);
    for (std::size_t parity = 0; parity < 2; ++parity) {
        NodeStep& at = task.at[parity];
        for (const std::size_t b : storage.output_buffers[v]) {
            Buffer& buffer = storage.buffers[b];
            at.outputs.push_back(ArrayRef{buffer.at(parity), buffer.spec.size(), buffer.spec.dtype, buffer.index_at(parity)});
        }
        at.summands.resize(g.nodes[v].inputs.size());
        for (std::size_t i = 0; i < g.nodes[v].inputs.size(); ++i)
            bind_input(g, components, inference, storage, v, i, parity, at);
    }
    return task;
}

// Whether the codes of output `port` of node `v` may be left to its producer's demand (Component::
// defer_codes): a SpikeArray in one buffer that every reader reads in place in the same step through the
// arrivals alone, and that no network output or effect reads.
bool codes_unread(const FlatGraph& g, const Components& components, const Storage& storage, std::size_t v,
                  std::size_t port) {
    const Buffer& buffer = storage.buffers[storage.output_buffers[v][port]];
    if (buffer.spec.kind != PayloadKind::spikes || buffer.doubled || buffer.served) return false;
    const auto is_it = [&](const Source& s) { return s.kind == SourceKind::output && s.node == v && s.port == port; };
    for (const auto& [name, source] : g.outputs)
        if (is_it(source)) return false;
    for (const auto& e : g.effects)
        if (is_it(e.source)) return false;
    for (std::size_t w = 0; w < g.nodes.size(); ++w)
        for (std::size_t i = 0; i < g.nodes[w].inputs.size(); ++i)
            for (const Source& s : g.nodes[w].inputs[i])
                if (is_it(s) && (g.nodes[w].inputs[i].size() != 1 || s.latency != Latency::same_step ||
                                 !components[w]->reads_arrivals_only(i)))
                    return false;
    return true;
}

}  // namespace

StepPlan bind(const FlatGraph& g, const Components& components, const Inference& inference, const StepOrder& order,
              Storage& storage) {
    StepPlan plan;
    plan.sequence = order.sequence;
    for (std::size_t v = 0; v < g.nodes.size(); ++v) plan.tasks.push_back(bind_task(g, components, inference, storage, v));
    for (std::size_t v = 0; v < g.nodes.size(); ++v)
        for (std::size_t o = 0; o < storage.output_buffers[v].size(); ++o)
            if (codes_unread(g, components, storage, v, o) && components[v]->defer_codes(o))
                plan.deferred_codes.push_back({v, o});
    for (auto& buffer : storage.buffers)
        if (buffer.served && buffer.doubled)
            plan.keep_served.push_back({buffer.served, buffer.data[0].data(), buffer.spec.bytes()});
    for (const auto& e : g.effects) {
        const bool in_place = e.source.kind == SourceKind::output &&
                              storage.buffers[storage.output_buffers[e.source.node][e.source.port]].effect_in_place;
        plan.effects_in_place.push_back(in_place);
        if (!in_place)
            plan.effects.push_back({components[e.target_node].get(), e.target_property,
                                    {source_view(storage, components, e.source, 0),
                                     source_view(storage, components, e.source, 1)}});
    }
    return plan;
}

void run_task(const Task& task, std::size_t parity, std::int64_t step, Parallel& parallel, UnitShare share) {
    const NodeStep& at = task.at[parity];
    for (const GatherOp& op : at.gathers) std::memcpy(op.dst, op.src, op.bytes);
    for (const ConcatIndexOp& op : at.concats) {
        bool fresh = true;
        for (const auto& part : op.parts) fresh = fresh && part.source != nullptr && part.source->fresh();
        if (!fresh) {
            for (const GatherOp& gather : op.gathers_when_stale) std::memcpy(gather.dst, gather.src, gather.bytes);
            op.index->invalidate();
            continue;
        }
        op.index->clear();
        for (const auto& part : op.parts)
            part.source->for_each([&](std::size_t u, bool inhibitory) { op.index->append(part.offset + u, inhibitory); });
        op.index->publish();
    }
    // Summed currents, element-wise, split like the components' own loops (the same threads touch the
    // same ranges).
    for (const SumOp& op : at.sums) {
        const std::span<const ConstArrayRef> summands = at.summands[op.input];
        const std::size_t n = at.inputs[op.input].size;
        parallel_for(parallel, n, task_length(n), [&](std::size_t begin, std::size_t end) {
            sum_block(summands, begin, end, op.dst + begin);
        });
    }
    // The outputs' spike lists are stale until the component lists this step's spikes (if it does).
    for (const ArrayRef& out : at.outputs)
        if (out.spike_index) out.spike_index->invalidate();
    task.component->step(StepContext{at.inputs, at.outputs, &parallel, step, at.summands, share});
}

void finish_step(const StepPlan& plan, std::size_t parity) {
    for (const KeepServedOp& op : plan.keep_served) std::memcpy(op.to, op.from, op.bytes);
    for (const EffectOp& op : plan.effects) op.target->set_property(op.property, op.source[parity]);
}

namespace {

std::string input_text(const FlatGraph& g, const Inference& inference, const Task& task, std::size_t i) {
    const FlatNode& node = g.nodes[task.node];
    const auto& sources = node.inputs[i];
    std::vector<std::string> parts;
    for (const auto& s : sources)
        parts.push_back(source_text(g, s) + (s.latency == Latency::previous_step && s.kind != SourceKind::external
                                                 ? " (previous step)"
                                                 : ""));
    const std::string port(node.info->inputs[i].name);
    if (sources.size() == 1) return port + " <- " + parts[0];
    const PortSpec& merged = *inference.nodes[task.node].inputs[i];
    if (merged.kind == PayloadKind::current)
        return port + " <- sum of " + join(parts, " + ") +
               (node.info->inputs[i].summed_by_component ? " (by the component)" : "");
    const auto concat = std::find_if(task.at[0].concats.begin(), task.at[0].concats.end(),
                                     [&](const ConcatIndexOp& op) { return op.index == task.at[0].inputs[i].spike_index; });
    const bool listed = concat != task.at[0].concats.end();
    return port + " <- concatenation of " + join(parts, ", ") + " into " + merged.to_string() +
           (listed ? ", spikes listed" : "") +
           (listed && !concat->gathers_when_stale.empty() ? " (codes copied only when the list is stale)" : "");
}

}  // namespace

std::string describe(const StepPlan& plan, const FlatGraph& g, const Inference& inference) {
    std::string text = "step plan: " + std::to_string(plan.tasks.size()) + " tasks, in the reference order\n";
    for (std::size_t k = 0; k < plan.sequence.size(); ++k) {
        const Task& task = plan.tasks[plan.sequence[k]];
        const FlatNode& node = g.nodes[task.node];
        std::vector<std::string> after;
        for (std::size_t p : task.after) after.push_back(g.nodes[p].path);
        text += std::to_string(k + 1) + ". " + node.path + " (" + node.type + ")" +
                (after.empty() ? "" : ", after " + join(after)) + "\n";
        for (std::size_t i = 0; i < node.inputs.size(); ++i)
            if (!node.inputs[i].empty()) text += "     " + input_text(g, inference, task, i) + "\n";
        text += "     step\n";
        for (const auto& [producer, port] : plan.deferred_codes)
            if (producer == task.node)
                text += "     " + std::string(node.info->outputs[port].name) +
                        ": codes written only for a read from outside the step (its readers take the arrivals)\n";
    }
    text += "end of step:\n";
    if (!plan.keep_served.empty())
        text += "     keep " + std::to_string(plan.keep_served.size()) + " served output(s) for previous-step readers\n";
    for (std::size_t k = 0; k < g.effects.size(); ++k) {
        const auto& e = g.effects[k];
        const FlatNode& target = g.nodes[e.target_node];
        text += "     effect " + target.path + "." + std::string(target.info->properties[e.target_property].name) +
                " <- " + source_text(g, e.source) +
                (plan.effects_in_place[k] ? " (in place: written by its source's step)" : "") + "\n";
    }
    return text;
}

}  // namespace spark::graph::detail
