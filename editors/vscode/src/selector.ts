// Which documents the client sends to the server. No `vscode` import: unit-tested with node.

/** VS Code has no built-in Django template language; this extension contributes `django-html`. */
export const TEMPLATE_LANGUAGE = "django-html";
export const TEMPLATE_GLOB = "**/templates/**/*.html";

export interface DocumentFilter {
  scheme: string;
  language: string;
  pattern?: string;
}

export const DOCUMENT_SELECTOR: DocumentFilter[] = [
  { scheme: "file", language: "python" },
  { scheme: "file", language: TEMPLATE_LANGUAGE },
  // Templates another extension (or files.associations) left as plain HTML.
  { scheme: "file", language: "html", pattern: TEMPLATE_GLOB },
];
