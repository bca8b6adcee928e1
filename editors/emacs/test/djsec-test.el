;;; djsec-test.el --- Eglot + djsec end-to-end test  -*- lexical-binding: t -*-

;; DJSEC_BIN=/path/to/djsec emacs --batch -Q -l editors/emacs/test/djsec-test.el PROJECT
;;
;; PROJECT is a scratch copy of a Django project with blog/views.py (DJS101 on line 5).  Loads
;; ../djsec-eglot.el as a user would (with `djsec' on PATH), starts Eglot, waits for DJS101 in
;; Flymake, picks "Replace mark_safe..." from `eglot-code-actions' and checks the buffer; then
;; restores the unfixed text and checks that `eglot-workspace-configuration' with enable false, sent by
;; `eglot-signal-didChangeConfiguration', clears DJS101 and enable true brings it back.
;; Prints "RESULT <part> PASS|FAIL" per part; exits 1 on any failure.

;;; Code:

(require 'cl-lib)

;; -Q skips Debian's site-start: put the packaged Eglot and its newer dependencies first.
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (when (file-directory-p dir)
    (push dir load-path)))

(defvar djsec-test--dir (file-name-directory (or load-file-name buffer-file-name)))

(defun djsec-test--log (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n")))

(define-error 'djsec-test-failure "djsec test failure")

(defun djsec-test--fail (fmt &rest args)
  (signal 'djsec-test-failure (list (apply #'format fmt args))))

(defun djsec-test--wait (seconds pred)
  "Run the event loop until PRED is non-nil or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds))
        value)
    (while (and (not (setq value (funcall pred)))
                (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun djsec-test--djs101 ()
  (cl-remove-if-not
   (lambda (d) (string-match-p "DJS101" (flymake-diagnostic-text d)))
   (flymake-diagnostics)))

(defvar djsec-test--views nil "The views.py buffer.")
(defvar djsec-test--original nil "views.py before the quick-fix.")

(defun djsec-test--quick-fix (project bin)
  ;; `djsec' on PATH, as the snippet expects: a private bin directory with a link to BIN.
  (let ((bindir (make-temp-file "djsec-bin" t)))
    (make-symbolic-link (expand-file-name bin) (expand-file-name "djsec" bindir))
    (push bindir exec-path)
    (setenv "PATH" (concat bindir path-separator (getenv "PATH"))))
  (load (expand-file-name "../djsec-eglot.el" djsec-test--dir) nil t)
  (require 'python)
  (djsec-test--log "Emacs %s, %s" emacs-version (locate-library "eglot"))

  (find-file (expand-file-name "blog/views.py" project))
  (setq djsec-test--views (current-buffer)
        djsec-test--original (buffer-string))
  (unless (eq major-mode 'python-mode)
    (djsec-test--fail "views.py opened in %s" major-mode))
  (apply #'eglot (eglot--guess-contact)) ; eglot-ensure waits for a command loop batch never runs
  (let ((server (djsec-test--wait 10 (lambda () (eglot-current-server)))))
    (unless server
      (djsec-test--fail "Eglot did not connect within 10s"))
    (let ((root (expand-file-name (project-root (eglot--project server)))))
      (djsec-test--log "connected: %s, root %s" (eglot--server-info server) root)
      (unless (equal (file-truename root) (file-name-as-directory (file-truename project)))
        (djsec-test--fail "project root %s is not %s (manage.py)" root project))))
  (flymake-start)
  (let ((diags (djsec-test--wait 10 #'djsec-test--djs101)))
    (unless diags
      (djsec-test--fail "no DJS101 within 10s; Flymake has: %S"
                        (mapcar #'flymake-diagnostic-text (flymake-diagnostics))))
    (let* ((d (car diags))
           (line (line-number-at-pos (flymake-diagnostic-beg d))))
      (djsec-test--log "DJS101 on line %d: %s" line (flymake-diagnostic-text d))
      (unless (= line 5)
        (djsec-test--fail "DJS101 is on line %d, expected 5" line))
      ;; What `M-x eglot-code-actions' does with the cursor on the call, the user picking the fix.
      (goto-char (flymake-diagnostic-beg d))
      (let* ((offered nil)
             (last-nonmenu-event ?\r) ; a keyboard user: the minibuffer, not a popup menu
             (pick (lambda (_prompt collection &rest _)
                     (setq offered (mapcar (lambda (c) (if (consp c) (car c) c)) collection))
                     (or (cl-find-if (lambda (title) (string-prefix-p "Replace mark_safe" title))
                                     offered)
                         (djsec-test--fail "no Replace mark_safe action among %S" offered)))))
        (cl-letf (((symbol-function 'completing-read) pick))
          (eglot-code-actions (flymake-diagnostic-beg d) (flymake-diagnostic-end d) "quickfix" t))
        (djsec-test--log "actions offered: %s" (mapconcat #'identity offered " | "))
        (unless (cl-some (lambda (title) (string-match-p "Suppress DJS101" title)) offered)
          (djsec-test--fail "\"Suppress DJS101 on this line\" was not offered: %S" offered)))))

  (let ((text (djsec-test--wait
               10 (lambda ()
                    (let ((s (buffer-substring-no-properties (point-min) (point-max))))
                      (and (string-match-p (regexp-quote "format_html(\"<b>{}</b>\", name)") s) s))))))
    (unless text
      (djsec-test--fail "quick-fix not applied; buffer:\n%s" (buffer-string)))
    (unless (string-match-p "^from django\\.utils\\.html import format_html$" text)
      (djsec-test--fail "import not added:\n%s" text))
    (when (string-match-p "mark_safe(" text)
      (djsec-test--fail "mark_safe( still called:\n%s" text))
    ;; Eglot sends didChange from an idle timer, and batch Emacs is never idle: send it now.
    (eglot--signal-textDocument/didChange)
    (flymake-start)
    (unless (djsec-test--wait 10 (lambda () (null (djsec-test--djs101))))
      (djsec-test--fail "DJS101 still reported after the fix"))
    (djsec-test--log "buffer after the fix:\n%s" (string-trim-right text)))
  nil)

(defun djsec-test--set-enable (value)
  "What a user does: set the project's `eglot-workspace-configuration', then signal it."
  (setq-local eglot-workspace-configuration `(:djsec (:enable ,value)))
  (eglot-signal-didChangeConfiguration (eglot-current-server))
  (flymake-start))

(defun djsec-test--settings (_project _bin)
  (with-current-buffer djsec-test--views
    (erase-buffer) ; back to the unfixed file
    (insert djsec-test--original)
    (eglot--signal-textDocument/didChange)
    (flymake-start)
    (unless (djsec-test--wait 10 #'djsec-test--djs101)
      (djsec-test--fail "DJS101 not back after undoing the fix; buffer:\n%s" (buffer-string)))
    (djsec-test--set-enable :json-false)
    (unless (djsec-test--wait 10 (lambda () (null (djsec-test--djs101))))
      (djsec-test--fail "DJS101 still shown 10s after didChangeConfiguration enable false"))
    (djsec-test--set-enable t)
    (unless (djsec-test--wait 10 #'djsec-test--djs101)
      (djsec-test--fail "DJS101 not back 10s after didChangeConfiguration enable true"))
    (djsec-test--log "settings: enable false cleared DJS101, enable true brought it back")))

(let ((project (car command-line-args-left))
      (bin (getenv "DJSEC_BIN"))
      (code 0))
  (unless (and project bin)
    (djsec-test--log "usage: DJSEC_BIN=... emacs --batch -Q -l djsec-test.el PROJECT")
    (kill-emacs 2))
  (catch 'stop
    (dolist (part '(("quick-fix" . djsec-test--quick-fix) ("settings" . djsec-test--settings)))
      (condition-case err
          (progn
            (funcall (cdr part) (expand-file-name project) bin)
            (djsec-test--log "RESULT %s PASS" (car part)))
        (error
         (setq code 1)
         (djsec-test--log "RESULT %s FAIL %s" (car part)
                          (if (eq (car err) 'djsec-test-failure)
                              (car (split-string (cadr err) "\n"))
                            (format "%S" err)))
         (when (eq (car err) 'djsec-test-failure)
           (djsec-test--log "%s" (cadr err)))
         ;; The later parts build on the quick-fix.
         (when (equal (car part) "quick-fix")
           (throw 'stop nil))))))
  (when djsec-test--views
    (with-current-buffer djsec-test--views
      (ignore-errors (eglot-shutdown (eglot-current-server)))))
  (kill-emacs code))

;;; djsec-test.el ends here
