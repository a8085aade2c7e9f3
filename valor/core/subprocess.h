// Running another program to completion and capturing what it prints: for the tools valor drives
// (gnuplot, Slurm's sbatch and squeue).
#pragma once

#include <string>
#include <vector>

namespace valor {

struct ProgramResult {
  int exit_code = 0;  // 128 + N when killed by signal N
  std::string out, err;
};

// Runs argv[0] (looked up on PATH) with `argv`, standard input from /dev/null, and waits for it.
// std::runtime_error naming the program if it cannot be started (not on PATH, not executable).
ProgramResult run_program(const std::vector<std::string>& argv);

// `text` quoted for a POSIX shell: 'text' with each ' written as '\''.
std::string shell_quote(const std::string& text);

}  // namespace valor
