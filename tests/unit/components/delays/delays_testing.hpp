#pragma once
// What the delay tests share: delays in steps as a config value, and random delays.
#include <random>
#include <vector>

#include <spark/core/value.hpp>

namespace spark::testing {

// The delays (in steps, the config's unit at dt 1) as a list Value.
inline Value steps_list(const std::vector<int>& d) {
    Value::List list;
    for (int x : d) list.emplace_back(x);
    return Value(list);
}

// `count` delays drawn uniformly from 1..max_steps.
inline std::vector<int> random_delays(std::size_t count, int max_steps, std::mt19937& gen) {
    std::vector<int> delays(count);
    for (auto& d : delays) d = std::uniform_int_distribution<int>(1, max_steps)(gen);
    return delays;
}

}  // namespace spark::testing
