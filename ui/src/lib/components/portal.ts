// Moves an element to the end of <body>, so a popup is never clipped by a scrolling ancestor
// (the settings dialog, the login card) and stacks above everything else.
export function portal(node: HTMLElement): { destroy: () => void } {
  document.body.appendChild(node);
  return {
    destroy() {
      node.remove();
    },
  };
}
