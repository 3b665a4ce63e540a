// jsdom lays nothing out: every element measures 0×0, so a virtualized list renders no rows. This gives every element
// a size (and a scrollIntoView that does nothing) until the returned function takes them back.
export function fakeLayout(height: number, width = 300): () => void {
  const size = (value: number) => ({ configurable: true, get: () => value });
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', size(height));
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', size(width));
  const scrollIntoView = Element.prototype.scrollIntoView;
  Element.prototype.scrollIntoView = () => undefined;
  return () => {
    delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
    delete (HTMLElement.prototype as { clientWidth?: number }).clientWidth;
    Element.prototype.scrollIntoView = scrollIntoView;
  };
}
