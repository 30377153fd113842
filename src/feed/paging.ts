// RFC 5005 archive paging: which items go into the subscription document and which into archive pages.

export interface PagePlan<T> {
  /** Items of the subscription document, newest first. */
  current: T[];
  /** Archive pages, oldest page first (page 1 at index 0); items of each page newest first. */
  archives: T[][];
}

/**
 * Splits `newestFirst` into full archive pages of `pageSize` items, counted from the oldest item,
 * and a subscription document holding everything newer. A page is only published once it lies
 * entirely behind the newest `limit` items, so the set of entries of a published archive page
 * never changes when items arrive; the subscription document therefore holds between `limit`
 * and `limit + pageSize - 1` items (or all items, when there are fewer than `limit`). Every item
 * is in exactly one document.
 */
export function planPages<T>(newestFirst: readonly T[], limit: number, pageSize: number): PagePlan<T> {
  const oldestFirst = [...newestFirst].reverse();
  const archivedCount = Math.max(0, Math.floor((oldestFirst.length - limit) / pageSize));
  const archives: T[][] = [];
  for (let page = 0; page < archivedCount; page++) {
    archives.push(oldestFirst.slice(page * pageSize, (page + 1) * pageSize).reverse());
  }
  return { current: oldestFirst.slice(archivedCount * pageSize).reverse(), archives };
}
