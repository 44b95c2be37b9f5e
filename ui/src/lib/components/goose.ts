// The Hongyan wild goose, on a 64×64 grid: flying to the right, neck stretched out, wings raised.
export const GOOSE_BODY =
  'M9 34.5 16 32.2C21 30.5 28 29.6 35 29.8 39 29.9 42 29.5 44.5 28.2 48 26.3 51.5 23.6 55 22.8 57.5 22.2 59.6 22.9 60.4 24L63.5 24.9 60.2 26C58.2 26.4 56.2 26.5 54.4 27.3 51.5 28.6 49.4 31.2 47 33.4 44 36.5 38.5 39 31 39 24.5 39 19.5 37.6 16 36.3Z';
export const GOOSE_NEAR_WING =
  'M38 30.5C35 21.5 25.5 12.5 12.5 7.5 15.5 13 18.5 17.5 20.5 21L18.8 21.6C21.5 24.5 24 27.5 26 31.5Z';
export const GOOSE_FAR_WING = 'M40.5 29.5C41 21 43 14.5 47.5 9 46.6 15 45.6 21.5 44 29Z';
export const GOOSE_EYE = { cx: 58.4, cy: 24.4, r: 0.85 };
