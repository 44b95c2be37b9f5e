// Whether the person asked the OS for less motion. CSS handles animations and transitions
// (app.css); scrolling that script starts smoothly asks here.

export function prefersReducedMotion(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
}

/** `smooth`, unless reduced motion is asked for: then the view jumps. */
export function scrollBehavior(): ScrollBehavior {
  return prefersReducedMotion() ? 'auto' : 'smooth';
}
