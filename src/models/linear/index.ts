/**
 * Linear baselines: logistic regression (L2, L-BFGS, multinomial) and linear/ridge regression.
 *
 * @module
 */
export {
  FittedLinearRegression,
  LinearRegression,
  linearRegressionParams,
  loadLinearRegression,
} from "./linear-regression.js";
export {
  FittedLogisticRegression,
  LogisticRegression,
  loadLogisticRegression,
  logisticRegressionParams,
} from "./logistic-regression.js";
