#pragma once
// The version of spark (the CMake project's VERSION), as programs and snapshot writers print it.
#include <string_view>

namespace spark {

std::string_view version() noexcept;  // "0.1.0"

}  // namespace spark
