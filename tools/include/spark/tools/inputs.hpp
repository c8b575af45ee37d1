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
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// What drives one network input during a run: a constant, or the rows of a file. Row i drives step i
// of the run (a resumed run starts again at row 0).
class InputDrive {
public:
    // Checks the flag against the input's spec (a float-valued or spike input) and reads the whole file:
    // its width must be the input's size and every value finite (0 or 1 for spikes), or spark::Error
    // names the flag, the file, and the row and column at fault.
    InputDrive(const InputFlag& flag, const PortSpec& spec);

    const std::string& name() const noexcept { return name_; }
    // Rows the file holds (none for a constant).
    std::optional<std::int64_t> rows() const noexcept;
    // Writes the values of step `row` into the input's buffer (float32 or u8 spikes).
    void apply(ArrayRef buffer, std::int64_t row) const;

private:
    std::string name_;
    std::size_t width_ = 0;
    bool spikes_ = false;
    std::optional<float> constant_;
    std::vector<float> values_;  // rows x width, row-major
};

}  // namespace spark::tools
