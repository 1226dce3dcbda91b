// The one "did you mean": edit distance with swaps of neighbours, and how far a name may be
// from a candidate for the suggestion to be offered.
#include "text/did_you_mean.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace graphrun::text {
namespace {

TEST(DidYouMean, EditDistanceCountsASwapOfNeighboursAsOneEdit) {
  EXPECT_EQ(edit_distance("alpha", "alpha"), 0);
  EXPECT_EQ(edit_distance("alhpa", "alpha"), 1);
  EXPECT_EQ(edit_distance("lamda", "lambda"), 1);
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
}

TEST(DidYouMean, SuggestsTheFirstClosestNameWithinAThirdOfTheName) {
  const std::vector<std::string> names = {"linspace", "length", "layer", "a", "b"};
  EXPECT_EQ(did_you_mean("linspase", names), " (did you mean 'linspace'?)");
  EXPECT_EQ(did_you_mean("lenght", names), " (did you mean 'length'?)");
  EXPECT_EQ(did_you_mean("c", names), " (did you mean 'a'?)");  // 1 edit always allowed; first of a, b
  EXPECT_EQ(did_you_mean("zz", names), "");                     // 2 edits from "a", 2 letters
  EXPECT_EQ(did_you_mean("lyr", names), " (did you mean 'layer'?)");        // 2 edits, 3 letters
  EXPECT_EQ(did_you_mean("lnspc", names), "");                              // 3 edits, 5 letters
  EXPECT_EQ(did_you_mean("lnspce", names), " (did you mean 'linspace'?)");  // 2 edits, 6 letters
  EXPECT_EQ(did_you_mean("gamma_ray", names), "");
  EXPECT_EQ(did_you_mean("x", std::vector<std::string>{}), "");
}

TEST(DidYouMean, StringViewCandidatesGiveTheSameAnswer) {
  const std::vector<std::string_view> names = {"exp", "sigmoid"};
  EXPECT_EQ(closest_name("exq", names), "exp");
  EXPECT_EQ(closest_name("sigmod", names), "sigmoid");
  EXPECT_EQ(closest_name("q", names), "");
}

}  // namespace
}  // namespace graphrun::text
