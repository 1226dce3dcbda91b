// Comparing tensors with the tolerances of SPEC §4.
#pragma once

#include "io/tensor_file.h"

#include <gtest/gtest.h>

#include <string>

namespace graphrun::testing {

/// Success when got and ref have the same shape and |got - ref| <= rtol*|ref| + atol
/// everywhere (NaN matches NaN); otherwise the first mismatches, described.
::testing::AssertionResult tensors_close(const io::HostArray& got, const io::HostArray& ref, double rtol, double atol);

/// Success when both hold the same bits.
::testing::AssertionResult tensors_identical(const io::HostArray& a, const io::HostArray& b);

}  // namespace graphrun::testing
