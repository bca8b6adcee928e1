;;; djsec-eglot.el --- Use the djsec language server with Eglot  -*- lexical-binding: t -*-

;; Load this file (or copy its forms into your init file) after installing the server with
;; `cargo install djsec'.  Works with Eglot 1.9 (Debian's elpa-eglot) and the Eglot built into
;; Emacs 29 and later.

;;; Code:

(require 'eglot)
(require 'project)

(defun djsec-project-find (dir)
  "Root a project at the nearest directory above DIR holding manage.py.
Used only when no version-control root was found first."
  (let ((root (locate-dominating-file dir "manage.py")))
    (and root (cons 'transient (expand-file-name root)))))

;; Depth 50: after `project-try-vc', so a Git checkout keeps its own root.
(add-hook 'project-find-functions #'djsec-project-find 50)

;; Eglot attaches one server to a buffer: this entry makes djsec the Python server.
(add-to-list 'eglot-server-programs
             '((python-mode python-ts-mode)
               . ("djsec" "server" :initializationOptions (:settings (:enable t)))))

;; Django templates, when they open in web-mode.
(add-to-list 'eglot-server-programs
             '((web-mode :language-id "htmldjango") . ("djsec" "server")))

(provide 'djsec-eglot)
;;; djsec-eglot.el ends here
