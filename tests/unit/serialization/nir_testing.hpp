#pragma once
// The NIR files of the NIR tests, written once per test process by make_nir_files.py (h5py) into a
// directory of that process (CTest runs test cases in parallel processes), removed when it exits.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace spark::testing {

class GeneratedNirFiles {
public:
    GeneratedNirFiles() : dir_(std::filesystem::path(SPARK_NIR_GENERATED_DIR) / std::to_string(::getpid())) {
        const std::string command =
            "/usr/bin/python3 " + std::string(SPARK_NIR_SCRIPT_DIR) + "/make_nir_files.py " + dir_.string();
        REQUIRE(std::system(command.c_str()) == 0);
    }
    ~GeneratedNirFiles() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    const std::filesystem::path& dir() const noexcept { return dir_; }

private:
    std::filesystem::path dir_;
};

inline const std::filesystem::path& generated_nir_files() {
    static const GeneratedNirFiles files;
    return files.dir();
}

}  // namespace spark::testing
