// Content that tries to break headers and markup: CR/LF, tags, ampersands, quotes, Central Asian scripts, emoji.

export const HOSTILE_TITLE =
  'Seizure\r\nBcc: victim@example.com\r\n\r\n<script>alert("x")</script> & \'quotes\' — ' +
  'Наркотики, Тоҷикистон, Oʻzbekiston, Қазақстан 🚨👮‍♀️';

export const HOSTILE_SUMMARY =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile text that must come out as written
  'Summary <img src=x onerror=alert(1)> & "more" </mj-text></mj-column> <% it.x %> ${x} {{count}}\u2028end';

export const HOSTILE_ALT = '" onerror="alert(1)" x="<b>';

/** What a title looks like once it is one line of text. */
export const HOSTILE_TITLE_LINE =
  'Seizure Bcc: victim@example.com <script>alert("x")</script> & \'quotes\' — ' +
  'Наркотики, Тоҷикистон, Oʻzbekiston, Қазақстан 🚨👮‍♀️';
