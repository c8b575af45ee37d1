#pragma once
// The NIR files of the NIR tests, written once per test process by make_nir_files.py (h5py): each CTest
// entry runs in its own process, so every test that reads them asks for them here.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace spark::testing {

inline const std::filesystem::path& generated_nir_files() {
    static const std::filesystem::path dir = [] {
        const std::filesystem::path d = SPARK_NIR_GENERATED_DIR;
        const std::string command = "/usr/bin/python3 " + std::string(SPARK_NIR_SCRIPT_DIR) + "/make_nir_files.py " + d.string();
        REQUIRE(std::system(command.c_str()) == 0);
        return d;
    }();
    return dir;
}

}  // namespace spark::testing
