// The newsletter module: items + window → Digest (compiled once) → one MailMessage per recipient, and the web archive.
export {
  digestWindow,
  nextEditionItems,
  selectDigestItems,
  type DigestWindow,
  type MailedHistory,
} from './window.ts';
export { loadDigestTemplates, DIGEST_TEMPLATE_NAMES, type DigestTemplates } from './templates.ts';
export {
  composeDigest,
  editionSlug,
  digestView,
  archiveSlotValues,
  type Digest,
  type ComposeDigestInput,
  type DigestView,
  type DigestItemView,
} from './compose.ts';
export {
  personalize,
  digestTemplate,
  recipientValues,
  escapeHtml,
  sampleRecipient,
  type DigestRecipient,
} from './personalize.ts';
export {
  digestDkimOptions,
  dkimAlignmentProblem,
  loadDigestDkim,
  DKIM_HEADER_FIELDS,
  DKIM_OVERSIGNED_FIELDS,
} from './dkim.ts';
export { renderDigestArchive, type SentEdition } from './archive.ts';
export { digestToJson, digestFromJson } from './serialize.ts';
export { fillSlots, SLOT_NAMES, type SlotName, type SlotValues, type SlottedText } from './slots.ts';
