/** Colours that read on both themes (Okabe–Ito, distinguishable with colour blindness). @example `PALETTE[0]; // "#0072b2"` */
export const PALETTE = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#56b4e9",
  "#d55e00",
  "#f0e442",
  "#999999",
  "#6a3d9a",
  "#b15928",
];
