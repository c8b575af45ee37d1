// The order pass: same-step cycles (Boost.Graph's strong components) and the order of one step.
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <spark/core/text.hpp>

#include "passes.hpp"

namespace spark::graph::detail {

namespace {

// Marks and reports every same-step cycle (a strong component of two or more nodes, or a node that
// reads itself in the same step).
std::vector<bool> find_cycles(const FlatGraph& g, const std::vector<std::vector<std::size_t>>& producers,
                              Diagnostics& diagnostics) {
    const std::size_t n = g.nodes.size();
    using Digraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
    Digraph same_step(n);
    for (std::size_t c = 0; c < n; ++c)
        for (std::size_t p : producers[c]) boost::add_edge(p, c, same_step);
    std::vector<int> component_of(n);
    const int n_components = n ? boost::strong_components(same_step, component_of.data()) : 0;
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(n_components));
    for (std::size_t v = 0; v < n; ++v) members[static_cast<std::size_t>(component_of[v])].push_back(v);
    std::vector<bool> in_cycle(n, false);
    for (const auto& m : members) {
        const bool self_loop = m.size() == 1 && std::binary_search(producers[m[0]].begin(), producers[m[0]].end(), m[0]);
        if (m.size() < 2 && !self_loop) continue;
        std::vector<std::string> names;
        for (auto v : m) {
            names.push_back(g.nodes[v].path);
            in_cycle[v] = true;
        }
        diagnostics.push_back({.code = DiagnosticCode::same_step_cycle, .node = names.front(),
                               .origin = g.nodes[m.front()].origin, .actual = join(names, " -> "),
                               .message = "same-step cycle through " + join(names, ", ") +
                                          ": make one of its wires previous-step (Latency::previous_step)"});
    }
    return in_cycle;
}

}  // namespace

// Topological over same-step wires, and otherwise the order the nodes were written in (Kahn's
// algorithm taking the lowest index first): Spark runs a Brain's modules in list order, which decides
// what a live property read sees within a step.
StepOrder order_step(const FlatGraph& g, Diagnostics& diagnostics) {
    const std::size_t n = g.nodes.size();
    std::vector<std::vector<std::size_t>> producers(n);
    for (std::size_t c = 0; c < n; ++c) producers[c] = same_step_producers(g.nodes[c]);
    StepOrder order;
    order.in_cycle = find_cycles(g, producers, diagnostics);

    std::vector<std::size_t> pending(n, 0);
    std::vector<std::vector<std::size_t>> next(n);
    for (std::size_t c = 0; c < n; ++c)
        for (std::size_t p : producers[c])
            if (p != c) {
                ++pending[c];
                next[p].push_back(c);
            }
    std::set<std::size_t> ready;
    for (std::size_t v = 0; v < n; ++v)
        if (pending[v] == 0) ready.insert(v);
    while (!ready.empty()) {
        const std::size_t v = *ready.begin();
        ready.erase(ready.begin());
        order.sequence.push_back(v);
        for (std::size_t c : next[v])
            if (--pending[c] == 0) ready.insert(c);
    }
    for (std::size_t v = 0; v < n; ++v)  // cycle members (already reported) keep their place
        if (order.in_cycle[v]) order.sequence.push_back(v);
    return order;
}

}  // namespace spark::graph::detail
