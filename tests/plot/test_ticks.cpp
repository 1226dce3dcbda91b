// Nice ticks (Heckbert's 1-2-5 steps) and their labels.
#include "driver/plot/ticks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

namespace graphrun::plot {
namespace {

// What every axis must give: ticks inside it, evenly spaced, labels that read back as the
// ticks and tell them apart, within the dtype's digits.
void expect_sound(const Axis& a, int max_digits, double data_lo, double data_hi, bool loose) {
  ASSERT_GE(a.ticks.size(), 2u) << data_lo << " " << data_hi;
  EXPECT_LE(a.ticks.size(), 11u);
  ASSERT_EQ(a.ticks.size(), a.labels.size());
  if (loose) {
    EXPECT_LE(a.lo, data_lo);
    EXPECT_GE(a.hi, data_hi);
  }
  for (size_t i = 0; i < a.ticks.size(); ++i) {
    EXPECT_GE(a.ticks[i], a.lo - a.step * 1e-6);
    EXPECT_LE(a.ticks[i], a.hi + a.step * 1e-6);
    EXPECT_NEAR(std::strtod(a.labels[i].c_str(), nullptr), a.ticks[i], a.step * 1e-3) << a.labels[i];
    if (i) {
      EXPECT_NE(a.labels[i], a.labels[i - 1]);
      EXPECT_NEAR(a.ticks[i] - a.ticks[i - 1], a.step, a.step * 1e-6);
    }
    int digits = 0;
    bool leading = true;
    for (char c : a.labels[i]) {
      if (c == 'e') break;
      if (c >= '1' && c <= '9') leading = false;
      if (c >= '0' && c <= '9' && !leading) ++digits;
    }
    EXPECT_LE(digits, max_digits) << a.labels[i];
  }
}

TEST(Ticks, NegativeRangeGetsHalfSteps) {
  Axis a = nice_axis(-1.78, 0.3, 15, true);
  EXPECT_EQ(a.lo, -2.0);
  EXPECT_EQ(a.hi, 0.5);
  EXPECT_EQ(a.step, 0.5);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"-2.0", "-1.5", "-1.0", "-0.5", "0.0", "0.5"}));
  EXPECT_EQ(a.ticks[4], 0.0);
  EXPECT_FALSE(std::signbit(a.ticks[4])) << "zero is +0, never -0";
}

TEST(Ticks, LargeDerivativeRange) {
  Axis a = nice_axis(0, 190, 15, true);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0", "50", "100", "150", "200"}));
  expect_sound(a, 15, 0, 190, true);
}

TEST(Ticks, TinyValuesInScientificNotation) {
  Axis a = nice_axis(1e-9, 3e-9, 15, true);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"1.0e-9", "1.5e-9", "2.0e-9", "2.5e-9", "3.0e-9"}));
  Axis big = nice_axis(0, 2e6, 15, true);
  EXPECT_EQ(big.labels.front(), "0");
  EXPECT_EQ(big.labels.back(), "2.0e6");
  expect_sound(big, 15, 0, 2e6, true);
}

TEST(Ticks, ConstantAndSingleValuesGetARange) {
  auto [lo, hi] = padded_range(5, 5, 7);
  EXPECT_LT(lo, 5);
  EXPECT_GT(hi, 5);
  expect_sound(nice_axis(lo, hi, 7, true), 7, 5, 5, true);
  auto [zlo, zhi] = padded_range(0, 0, 7);
  EXPECT_EQ(zlo, -1);
  EXPECT_EQ(zhi, 1);
  expect_sound(nice_axis(zlo, zhi, 7, true), 7, 0, 0, true);
  auto [nlo, nhi] = padded_range(-1.78, -1.78, 15);
  expect_sound(nice_axis(nlo, nhi, 15, true), 15, -1.78, -1.78, true);
}

TEST(Ticks, A32BitRangeTooNarrowForItsDigitsIsWidened) {
  const double lo = 1.0, hi = 1.0 + 1e-7;  // one f32 ulp apart
  auto [plo, phi] = padded_range(lo, hi, 7);
  EXPECT_LE(plo, lo);
  EXPECT_GE(phi, hi);
  expect_sound(nice_axis(plo, phi, 7, true), 7, lo, hi, true);
}

TEST(Ticks, TightAxisKeepsTheDataRange) {
  Axis a = nice_axis(0, 2999, 15, false);
  EXPECT_EQ(a.lo, 0);
  EXPECT_EQ(a.hi, 2999);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0", "1000", "2000"}));
}

TEST(Ticks, RandomRangesAreSound) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-12, 12), unit(-1, 1);
  for (int i = 0; i < 2000; ++i) {
    const double scale = std::pow(10.0, exponent(rng));
    double a = unit(rng) * scale, b = unit(rng) * scale;
    if (a > b) std::swap(a, b);
    for (int digits : {7, 15}) {
      auto [lo, hi] = padded_range(a, b, digits);
      expect_sound(nice_axis(lo, hi, digits, true), digits, a, b, true);
      expect_sound(nice_axis(lo, hi, digits, false), digits, lo, hi, false);
    }
  }
}

TEST(Ticks, ShortNumbers) {
  EXPECT_EQ(short_number(-1.78, 15), "-1.78");
  EXPECT_EQ(short_number(static_cast<float>(0.1f), 7), "0.1");
  EXPECT_EQ(short_number(1e-9, 15), "1e-9");
  EXPECT_EQ(short_number(0, 15), "0");
  EXPECT_EQ(short_number(190, 7), "190");
}

// Log axes (`sweep --plot --log`): powers of ten, positions by log10.
TEST(LogAxis, LooseAxesSpanWholeDecadesWithATickAtEach) {
  const Axis a = log_axis(0.075, 0.712, true);
  EXPECT_TRUE(a.log);
  EXPECT_DOUBLE_EQ(a.lo, 0.01);
  EXPECT_DOUBLE_EQ(a.hi, 1);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0.01", "0.1", "1"}));
  const Axis wide = log_axis(1e-30, 1e30, true);  // 60 decades: every eighth or so labelled
  EXPECT_LE(wide.ticks.size(), 10u);
  EXPECT_GE(wide.ticks.size(), 3u);
  for (size_t i = 1; i < wide.ticks.size(); ++i)
    EXPECT_NEAR(std::log10(wide.ticks[i]) - std::log10(wide.ticks[i - 1]), wide.step, 1e-9);
}

TEST(LogAxis, TightAxesKeepTheDataRangeAndAddTicksWithinADecade) {
  const Axis a = log_axis(6.25e-5, 1e-3, false);
  EXPECT_DOUBLE_EQ(a.lo, 6.25e-5);
  EXPECT_DOUBLE_EQ(a.hi, 1e-3);
  EXPECT_EQ(a.labels, (std::vector<std::string>{"0.0001", "0.001"}));
  const Axis within = log_axis(0.15, 0.6, false);  // no power of ten inside: 2 and 5 times them
  EXPECT_EQ(within.labels, (std::vector<std::string>{"0.2", "0.5"}));
}

TEST(LogAxis, PositionsAreByLog10AndNonPositiveValuesHaveNone) {
  const Axis a = log_axis(1, 1000, true);
  EXPECT_DOUBLE_EQ(axis_fraction(1, a), 0);
  EXPECT_NEAR(axis_fraction(10, a), 1.0 / 3, 1e-12);
  EXPECT_NEAR(axis_fraction(1000, a), 1, 1e-12);
  EXPECT_TRUE(std::isnan(axis_fraction(0, a)));
  EXPECT_TRUE(std::isnan(axis_fraction(-5, a)));
  Axis linear;
  linear.lo = -1, linear.hi = 3;
  EXPECT_DOUBLE_EQ(axis_fraction(0, linear), 0.25);
}

}  // namespace
}  // namespace graphrun::plot
