// Prices as the API sends them (decimal strings), shown to patients.

/** Return a price as dollars with cents ("$80.00"); a value that is not a number is shown as given. */
export function money(value) {
  const number = Number(value);
  return Number.isFinite(number) ? `$${number.toFixed(2)}` : `$${value}`;
}
