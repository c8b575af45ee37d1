#pragma once
// The --input flag of `spark run|check|dot|import`: what a network input is, and what drives it.
//
//   --input NAME=KIND:SHAPE   the spec of an input the file does not give (imported .scfg brains):
//                             KIND float | current | potential | spikes | integer, SHAPE 4 or 2x3;
//                             NAME '*' gives every input not named otherwise
//   --input NAME=const:V      drive the input with V at every step (spark run)
//   --input NAME=FILE         drive the input from FILE, one row per step (spark run): a .npy array
//                             [steps, width] (float32 or float64, 1-d for width 1) or a .csv of numbers
//                             (an optional header line); the run stops with an error if it is too short
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <spark/core/payload.hpp>

namespace spark::tools {

struct InputFlag {
    std::string name;
    std::optional<PortSpec> spec;                 // NAME=KIND:SHAPE
    std::optional<double> constant;               // NAME=const:V
    std::optional<std::filesystem::path> file;    // NAME=FILE
};

// Parses one --input value; throws spark::Error saying what is wrong and what the forms are.
InputFlag parse_input_flag(std::string_view text);

}  // namespace spark::tools
