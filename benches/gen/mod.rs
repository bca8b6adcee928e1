//! Generated Django code and templates for the benchmarks: deterministic (seeded), varied
//! (names, shapes and lengths of views, models, forms, class-based views and helpers differ from
//! one definition to the next) and sprinkled with the patterns djsec reports (`mark_safe` of
//! request data, SQL built with `%` and f-strings, `csrf_exempt`, `|safe`), like a real
//! code base that has a few problems.
//!
//! Shared by `benches/analysis.rs`, `benches/latency.rs` and `benches/gen_django.rs` through
//! `#[path = "gen/mod.rs"] mod generate;`.

#![allow(dead_code)]

pub mod template_spots;

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// A small deterministic generator (SplitMix64): no dependency, same output on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("x")
    }
}

const NOUNS: &[&str] = &[
    "article",
    "order",
    "invoice",
    "customer",
    "product",
    "comment",
    "ticket",
    "report",
    "profile",
    "payment",
    "shipment",
    "category",
    "review",
    "coupon",
    "subscription",
    "team",
    "project",
    "task",
    "document",
    "event",
    "booking",
    "message",
    "address",
    "warehouse",
];

const VERBS: &[&str] = &[
    "list", "detail", "create", "update", "delete", "export", "search", "archive", "approve",
    "publish", "preview", "import", "refund", "assign", "close",
];

const FIELDS: &[&str] = &[
    "title",
    "name",
    "slug",
    "status",
    "created_at",
    "updated_at",
    "owner",
    "amount",
    "description",
    "email",
    "priority",
    "due_date",
    "reference",
    "notes",
    "quantity",
    "price",
    "is_active",
    "country",
];

const PARAMS: &[&str] = &[
    "q", "page", "sort", "order", "status", "next", "filter", "tag", "since", "until", "name",
];

const FIELD_TYPES: &[&str] = &[
    "models.CharField(max_length=200)",
    "models.CharField(max_length=64, blank=True)",
    "models.TextField(blank=True)",
    "models.SlugField(unique=True)",
    "models.DateTimeField(auto_now_add=True)",
    "models.DateTimeField(auto_now=True)",
    "models.DecimalField(max_digits=10, decimal_places=2)",
    "models.PositiveIntegerField(default=0)",
    "models.BooleanField(default=True)",
    "models.EmailField()",
    "models.DateField(null=True, blank=True)",
    "models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)",
];

fn camel(word: &str) -> String {
    word.split('_')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The header of a views module: docstring, imports, logger, a few constants.
fn python_header(rng: &mut Rng, out: &mut String) {
    let noun = rng.pick(NOUNS);
    let _ = writeln!(out, "\"\"\"Views for the {noun} pages.\"\"\"");
    out.push_str(
        "import json
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db import connection, models, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django import forms

logger = logging.getLogger(__name__)

",
    );
    let _ = writeln!(out, "PAGE_SIZE = {}", rng.range(10, 100));
    let _ = writeln!(
        out,
        "ALLOWED_SORTS = {{\"{}\", \"-{}\", \"{}\"}}",
        rng.pick(FIELDS),
        rng.pick(FIELDS),
        rng.pick(FIELDS)
    );
    let _ = writeln!(out, "CACHE_SECONDS = 60 * {}", rng.range(1, 30));
    out.push('\n');
}

/// One top-level definition of a views module (a function view, a class-based view, a model, a
/// form or a helper), ending with two blank lines.
fn python_unit(rng: &mut Rng, index: usize, clean: bool, out: &mut String) {
    let noun = rng.pick(NOUNS);
    let kind = rng.below(10);
    match kind {
        0..=3 => function_view(rng, noun, index, clean, out),
        4 | 5 => class_view(rng, noun, index, clean, out),
        6 => model(rng, noun, index, clean, out),
        7 => form(rng, noun, index, out),
        _ => helper(rng, noun, index, out),
    }
    out.push_str("\n\n");
}

/// With `clean`, the same random choices are made (so the stream of the generator does not
/// change) but the vulnerable variants are written as their safe look-alikes.
fn function_view(rng: &mut Rng, noun: &str, index: usize, clean: bool, out: &mut String) {
    let verb = rng.pick(VERBS);
    let model = camel(noun);
    if rng.chance(60) || clean {
        out.push_str("@login_required\n");
    }
    if rng.chance(30) {
        out.push_str("@require_http_methods([\"GET\", \"POST\"])\n");
    }
    if rng.chance(5) && !clean {
        out.push_str("@csrf_exempt\n");
    }
    let _ = writeln!(out, "def {noun}_{verb}_{index}(request, pk=None):");
    let _ = writeln!(
        out,
        "    \"\"\"{} a {noun} ({}).\"\"\"",
        camel(verb),
        rng.pick(FIELDS)
    );
    let param = rng.pick(PARAMS);
    let _ = writeln!(
        out,
        "    {param} = request.GET.get(\"{param}\", \"\").strip()"
    );
    let statements = rng.range(2, 9);
    for _ in 0..statements {
        match rng.below(12) {
            0 => {
                let _ = writeln!(
                    out,
                    "    obj = get_object_or_404({model}, pk=pk, owner=request.user)"
                );
            }
            1 => {
                let field = rng.pick(FIELDS);
                let _ = writeln!(
                    out,
                    "    queryset = {model}.objects.filter({field}__icontains={param}).order_by(\"-{}\")",
                    rng.pick(FIELDS)
                );
                let _ = writeln!(out, "    if not request.user.is_staff:");
                let _ = writeln!(
                    out,
                    "        queryset = queryset.filter(owner=request.user)"
                );
            }
            2 => {
                let _ = writeln!(out, "    if request.method == \"POST\":");
                let _ = writeln!(
                    out,
                    "        form = {model}Form(request.POST, request.FILES or None)"
                );
                let _ = writeln!(out, "        if form.is_valid():");
                let _ = writeln!(out, "            saved = form.save(commit=False)");
                let _ = writeln!(out, "            saved.owner = request.user");
                let _ = writeln!(out, "            saved.save()");
                let _ = writeln!(
                    out,
                    "            messages.success(request, \"Saved {noun} %s\" % saved.pk)"
                );
                let _ = writeln!(
                    out,
                    "            return redirect(\"{noun}-detail\", pk=saved.pk)"
                );
                let _ = writeln!(out, "    else:");
                let _ = writeln!(out, "        form = {model}Form()");
            }
            3 => {
                let _ = writeln!(
                    out,
                    "    paginator = Paginator({model}.objects.all(), PAGE_SIZE)"
                );
                let _ = writeln!(
                    out,
                    "    page = paginator.get_page(request.GET.get(\"page\", 1))"
                );
            }
            4 => {
                let _ = writeln!(out, "    try:");
                let _ = writeln!(
                    out,
                    "        amount = int(request.POST.get(\"amount\", \"0\"))"
                );
                let _ = writeln!(out, "    except (TypeError, ValueError):");
                let _ = writeln!(
                    out,
                    "        logger.warning(\"bad amount for %s\", request.user)"
                );
                let _ = writeln!(out, "        amount = 0");
            }
            5 => {
                let field = rng.pick(FIELDS);
                let _ = writeln!(out, "    totals = {{");
                let _ = writeln!(
                    out,
                    "        row[\"{field}\"]: row[\"total\"] for row in {model}.objects.values(\"{field}\").annotate(total=Count(\"id\"))"
                );
                let _ = writeln!(out, "    }}");
            }
            6 => {
                // A vulnerable line now and then, as in real code bases.
                if rng.chance(40) && !clean {
                    let _ = writeln!(
                        out,
                        "    banner = mark_safe(f\"<div class='note'>{{{param}}}</div>\")"
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "    banner = format_html(\"<div class='note'>{{}}</div>\", {param})"
                    );
                }
            }
            7 => {
                let field = rng.pick(FIELDS);
                if rng.chance(40) && !clean {
                    let _ = writeln!(
                        out,
                        "    sql = \"SELECT id, {field} FROM app_{noun} WHERE {field} = '%s'\" % {param}"
                    );
                    let _ = writeln!(out, "    with connection.cursor() as cursor:");
                    let _ = writeln!(out, "        cursor.execute(sql)");
                    let _ = writeln!(out, "        rows = cursor.fetchall()");
                } else {
                    let _ = writeln!(out, "    with connection.cursor() as cursor:");
                    let _ = writeln!(
                        out,
                        "        cursor.execute(\"SELECT id FROM app_{noun} WHERE {field} = %s\", [{param}])"
                    );
                    let _ = writeln!(out, "        rows = cursor.fetchall()");
                }
            }
            8 => {
                let _ = writeln!(
                    out,
                    "    for item in {model}.objects.filter(status=\"open\")[:PAGE_SIZE]:"
                );
                let _ = writeln!(
                    out,
                    "        if item.due_date and item.due_date < timezone.now().date():"
                );
                let _ = writeln!(out, "            item.status = \"late\"");
                let _ = writeln!(out, "            item.save(update_fields=[\"status\"])");
            }
            9 => {
                let _ = writeln!(out, "    with transaction.atomic():");
                let scope = if clean { ", owner=request.user" } else { "" };
                let _ = writeln!(
                    out,
                    "        {model}.objects.filter(pk=pk{scope}).update(updated_at=timezone.now())"
                );
            }
            10 => {
                let _ = writeln!(
                    out,
                    "    logger.info(\"%s viewed {noun} %s (%s)\", request.user, pk, {param})"
                );
            }
            _ => {
                let _ = writeln!(
                    out,
                    "    names = [escape(o.name) for o in {model}.objects.only(\"name\") if o.name]"
                );
            }
        }
    }
    match rng.below(4) {
        0 => {
            let _ = writeln!(
                out,
                "    return JsonResponse({{\"ok\": True, \"{param}\": {param}, \"count\": {}}})",
                rng.range(1, 500)
            );
        }
        1 => {
            let _ = writeln!(
                out,
                "    return redirect(reverse(\"{noun}-list\") + \"?page=1\")"
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "    return render(request, \"{noun}/{}.html\", {{\"{param}\": {param}, \"now\": timezone.now()}})",
                rng.pick(VERBS)
            );
        }
    }
}

fn class_view(rng: &mut Rng, noun: &str, index: usize, clean: bool, out: &mut String) {
    let model = camel(noun);
    let (base, suffix) = match rng.below(4) {
        0 => ("ListView", "List"),
        1 => ("DetailView", "Detail"),
        2 => ("CreateView", "Create"),
        _ => ("UpdateView", "Update"),
    };
    let _ = writeln!(
        out,
        "class {model}{suffix}View{index}(LoginRequiredMixin, {base}):"
    );
    let _ = writeln!(out, "    model = {model}");
    let _ = writeln!(
        out,
        "    template_name = \"{noun}/{}.html\"",
        suffix.to_ascii_lowercase()
    );
    if base == "ListView" {
        let _ = writeln!(out, "    paginate_by = {}", rng.range(10, 50));
    } else if base != "DetailView" {
        let _ = writeln!(
            out,
            "    fields = [\"{}\", \"{}\", \"{}\"]",
            rng.pick(FIELDS),
            rng.pick(FIELDS),
            rng.pick(FIELDS)
        );
        let _ = writeln!(out, "    success_url = reverse_lazy(\"{noun}-list\")");
    }
    out.push('\n');
    let _ = writeln!(out, "    def get_queryset(self):");
    let _ = writeln!(
        out,
        "        queryset = super().get_queryset().select_related(\"owner\")"
    );
    let _ = writeln!(out, "        status = self.request.GET.get(\"status\")");
    let _ = writeln!(out, "        if status:");
    let _ = writeln!(out, "            queryset = queryset.filter(status=status)");
    let _ = writeln!(
        out,
        "        sort = self.request.GET.get(\"sort\", \"-created_at\")"
    );
    let _ = writeln!(out, "        if sort in ALLOWED_SORTS:");
    let _ = writeln!(out, "            queryset = queryset.order_by(sort)");
    let _ = writeln!(
        out,
        "        return queryset.filter(owner=self.request.user)"
    );
    if rng.chance(60) {
        out.push('\n');
        let _ = writeln!(out, "    def get_context_data(self, **kwargs):");
        let _ = writeln!(out, "        context = super().get_context_data(**kwargs)");
        let _ = writeln!(
            out,
            "        context[\"title\"] = \"{} {}\"",
            camel(noun),
            suffix
        );
        if rng.chance(25) && !clean {
            let _ = writeln!(
                out,
                "        context[\"help\"] = mark_safe(self.request.GET.get(\"help\", \"\"))"
            );
        }
        let _ = writeln!(
            out,
            "        context[\"stats\"] = {model}.objects.aggregate(total=Sum(\"amount\"))"
        );
        let _ = writeln!(out, "        return context");
    }
    if base == "CreateView" || base == "UpdateView" {
        out.push('\n');
        let _ = writeln!(out, "    def form_valid(self, form):");
        let _ = writeln!(out, "        form.instance.owner = self.request.user");
        let _ = writeln!(
            out,
            "        messages.info(self.request, \"{} saved\")",
            camel(noun)
        );
        let _ = writeln!(out, "        return super().form_valid(form)");
    }
}

fn model(rng: &mut Rng, noun: &str, index: usize, clean: bool, out: &mut String) {
    let model = camel(noun);
    let _ = writeln!(out, "class {model}{index}(models.Model):");
    let fields = rng.range(3, 10);
    for i in 0..fields {
        let _ = writeln!(
            out,
            "    {}_{i} = {}",
            rng.pick(FIELDS),
            rng.pick(FIELD_TYPES)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "    class Meta:");
    let _ = writeln!(out, "        ordering = [\"-{}\"]", rng.pick(FIELDS));
    let _ = writeln!(out, "        verbose_name_plural = \"{noun}s\"");
    out.push('\n');
    let _ = writeln!(out, "    def __str__(self):");
    let _ = writeln!(out, "        return f\"{model} #{{self.pk}}\"");
    if rng.chance(50) {
        out.push('\n');
        let _ = writeln!(out, "    def get_absolute_url(self):");
        let _ = writeln!(
            out,
            "        return reverse(\"{noun}-detail\", kwargs={{\"pk\": self.pk}})"
        );
    }
    if rng.chance(30) {
        out.push('\n');
        let _ = writeln!(out, "    @property");
        let _ = writeln!(out, "    def label(self):");
        if rng.chance(30) && !clean {
            let _ = writeln!(
                out,
                "        return mark_safe(\"<span class='tag'>%s</span>\" % self.pk)"
            );
        } else {
            let _ = writeln!(
                out,
                "        return format_html(\"<span class='tag'>{{}}</span>\", self.pk)"
            );
        }
    }
}

fn form(rng: &mut Rng, noun: &str, index: usize, out: &mut String) {
    let model = camel(noun);
    let _ = writeln!(out, "class {model}Form{index}(forms.ModelForm):");
    let _ = writeln!(out, "    class Meta:");
    let _ = writeln!(out, "        model = {model}");
    let _ = writeln!(
        out,
        "        fields = [\"{}\", \"{}\", \"{}\"]",
        rng.pick(FIELDS),
        rng.pick(FIELDS),
        rng.pick(FIELDS)
    );
    let _ = writeln!(out, "        widgets = {{");
    let _ = writeln!(
        out,
        "            \"{}\": forms.Textarea(attrs={{\"rows\": {}}}),",
        rng.pick(FIELDS),
        rng.range(2, 12)
    );
    let _ = writeln!(out, "        }}");
    out.push('\n');
    let field = rng.pick(FIELDS);
    let _ = writeln!(out, "    def clean_{field}(self):");
    let _ = writeln!(out, "        value = self.cleaned_data[\"{field}\"]");
    let _ = writeln!(
        out,
        "        if value and len(str(value)) > {}:",
        rng.range(20, 300)
    );
    let _ = writeln!(
        out,
        "            raise forms.ValidationError(\"{field} is too long\")"
    );
    let _ = writeln!(out, "        return value");
}

fn helper(rng: &mut Rng, noun: &str, index: usize, out: &mut String) {
    let _ = writeln!(
        out,
        "def _{noun}_summary_{index}(items, limit={}):",
        rng.range(3, 20)
    );
    let _ = writeln!(out, "    \"\"\"Summarise {noun}s for the dashboard.\"\"\"");
    let _ = writeln!(out, "    result = []");
    let _ = writeln!(out, "    for position, item in enumerate(items):");
    let _ = writeln!(out, "        if position >= limit:");
    let _ = writeln!(out, "            break");
    let _ = writeln!(
        out,
        "        label = \"%s (%d)\" % (getattr(item, \"{}\", \"?\"), position)",
        rng.pick(FIELDS)
    );
    let _ = writeln!(
        out,
        "        result.append({{\"label\": label, \"url\": item.get_absolute_url()}})"
    );
    if rng.chance(50) {
        let _ = writeln!(
            out,
            "    since = timezone.now() - timedelta(days={})",
            rng.range(1, 90)
        );
        let _ = writeln!(
            out,
            "    recent = [r for r in result if r.get(\"created_at\", since) >= since]"
        );
        let _ = writeln!(out, "    return json.dumps(recent, default=str)");
    } else {
        let _ = writeln!(out, "    return result");
    }
}

/// A Python module of about `lines` lines (it stops after the definition that reaches it).
pub fn python_module(lines: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(lines * 48);
    python_header(&mut rng, &mut out);
    let mut index = 0;
    let mut count = out.matches('\n').count();
    while count < lines {
        let before = out.len();
        python_unit(&mut rng, index, false, &mut out);
        index += 1;
        count += out[before..].matches('\n').count();
    }
    out
}

/// The size of the part of a large benchmark module that holds its findings
/// ([`python_module_sized`]).
pub const CORE_LINES: usize = 6_000;

/// A views module of about `lines` lines. Up to [`CORE_LINES`] it is [`python_module`]; above,
/// it is the [`CORE_LINES`]-line module with clean code around its definitions (the same kinds of
/// views, models, forms and helpers, written in their safe variants, half before and half
/// after), so that it has the same findings as the smaller one: a keystroke in it measures the
/// cost of the larger file, not of publishing more diagnostics. The middle of the file (where
/// [`spot`] looks) is the middle of the core.
pub fn python_module_sized(lines: usize, seed: u64) -> String {
    if lines <= CORE_LINES {
        return python_module(lines, seed);
    }
    let core = python_module(CORE_LINES, seed);
    let mut header = String::new();
    python_header(&mut Rng::new(seed), &mut header);
    let body = core.get(header.len()..).unwrap_or("");
    let padding = lines.saturating_sub(core.matches('\n').count());
    let mut clean = CleanUnits::new(seed);
    let mut out = String::with_capacity(lines * 48);
    out.push_str(&header);
    clean.write(padding / 2, &mut out);
    out.push_str(body);
    clean.write(padding - padding / 2, &mut out);
    out
}

/// A views module of about `lines` lines of clean code only (what [`python_module_sized`] pads
/// with): djsec reports nothing in it.
pub fn clean_module(lines: usize, seed: u64) -> String {
    let mut out = String::new();
    python_header(&mut Rng::new(seed), &mut out);
    let header_lines = out.matches('\n').count();
    CleanUnits::new(seed).write(lines.saturating_sub(header_lines), &mut out);
    out
}

/// Definitions in their safe variants, named apart from [`python_module`]'s.
struct CleanUnits {
    rng: Rng,
    index: usize,
}

impl CleanUnits {
    fn new(seed: u64) -> CleanUnits {
        CleanUnits {
            rng: Rng::new(seed ^ 0xC1EA_C0DE),
            index: 100_000,
        }
    }

    /// About `lines` lines of definitions.
    fn write(&mut self, lines: usize, out: &mut String) {
        let mut count = 0;
        while count < lines {
            let before = out.len();
            python_unit(&mut self.rng, self.index, true, out);
            self.index += 1;
            count += out[before..].matches('\n').count();
        }
    }
}

/// A Django template of about `lines` lines.
pub fn template(lines: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut out = String::with_capacity(lines * 48);
    let noun = rng.pick(NOUNS);
    out.push_str("{% extends \"base.html\" %}\n{% load static i18n humanize %}\n\n");
    let _ = writeln!(
        out,
        "{{% block title %}}{{% trans \"{}\" %}} · {{{{ site.name }}}}{{% endblock %}}\n",
        camel(noun)
    );
    out.push_str("{% block content %}\n<div class=\"container\">\n");
    let mut section = 0;
    let mut count = out.matches('\n').count();
    while count < lines.saturating_sub(2) {
        let before = out.len();
        template_section(&mut rng, section, &mut out);
        section += 1;
        count += out[before..].matches('\n').count();
    }
    out.push_str("</div>\n{% endblock %}\n");
    out
}

fn template_section(rng: &mut Rng, index: usize, out: &mut String) {
    let noun = rng.pick(NOUNS);
    let field = rng.pick(FIELDS);
    match rng.below(7) {
        0 => {
            let _ = writeln!(out, "  <section id=\"{noun}-{index}\" class=\"card\">");
            let _ = writeln!(
                out,
                "    <h2>{{% blocktrans with name={noun}.name %}}{camel} {{{{ name }}}}{{% endblocktrans %}}</h2>",
                camel = camel(noun)
            );
            let _ = writeln!(out, "    <table class=\"table table-sm\">");
            let _ = writeln!(
                out,
                "      <thead><tr><th>{{% trans \"Name\" %}}</th><th>{{% trans \"{field}\" %}}</th><th></th></tr></thead>"
            );
            let _ = writeln!(out, "      <tbody>");
            let _ = writeln!(out, "      {{% for item in {noun}_list %}}");
            let _ = writeln!(
                out,
                "        <tr class=\"{{% cycle 'odd' 'even' %}}{{% if item.is_active %}} active{{% endif %}}\">"
            );
            let _ = writeln!(
                out,
                "          <td><a href=\"{{% url '{noun}-detail' item.pk %}}\">{{{{ item.name|truncatechars:40 }}}}</a></td>"
            );
            let _ = writeln!(
                out,
                "          <td>{{{{ item.{field}|default:\"—\" }}}}</td>"
            );
            let _ = writeln!(
                out,
                "          <td>{{{{ item.created_at|naturaltime }}}}</td>"
            );
            let _ = writeln!(out, "        </tr>");
            let _ = writeln!(out, "      {{% empty %}}");
            let _ = writeln!(
                out,
                "        <tr><td colspan=\"3\">{{% trans \"Nothing yet.\" %}}</td></tr>"
            );
            let _ = writeln!(out, "      {{% endfor %}}");
            let _ = writeln!(out, "      </tbody>\n    </table>\n  </section>");
        }
        1 => {
            let _ = writeln!(
                out,
                "  <form method=\"post\" action=\"{{% url '{noun}-update' object.pk %}}\" enctype=\"multipart/form-data\">"
            );
            if rng.chance(90) {
                let _ = writeln!(out, "    {{% csrf_token %}}");
            }
            let _ = writeln!(out, "    {{{{ form.non_field_errors }}}}");
            let _ = writeln!(out, "    {{% for field in form %}}");
            let _ = writeln!(
                out,
                "      <div class=\"field{{% if field.errors %}} has-error{{% endif %}}\">"
            );
            let _ = writeln!(out, "        {{{{ field.label_tag }}}} {{{{ field }}}}");
            let _ = writeln!(
                out,
                "        {{% if field.help_text %}}<small>{{{{ field.help_text }}}}</small>{{% endif %}}"
            );
            let _ = writeln!(out, "      </div>");
            let _ = writeln!(out, "    {{% endfor %}}");
            let _ = writeln!(
                out,
                "    <button type=\"submit\" class=\"btn btn-primary\">{{% trans \"Save\" %}}</button>"
            );
            let _ = writeln!(out, "  </form>");
        }
        2 => {
            let _ = writeln!(out, "  {{% if user.is_authenticated %}}");
            let _ = writeln!(
                out,
                "    <p class=\"greeting\">{{% trans \"Hello\" %}}, {{{{ user.get_full_name|default:user.username }}}}.</p>"
            );
            let filter = if rng.chance(20) { "safe" } else { "linebreaks" };
            let _ = writeln!(
                out,
                "    <div class=\"bio\">{{{{ user.profile.{field}|{filter} }}}}</div>"
            );
            let _ = writeln!(out, "  {{% else %}}");
            let _ = writeln!(
                out,
                "    <a href=\"{{% url 'login' %}}?next={{{{ request.path|urlencode }}}}\">{{% trans \"Log in\" %}}</a>"
            );
            let _ = writeln!(out, "  {{% endif %}}");
        }
        3 => {
            let _ = writeln!(
                out,
                "  {{% include \"{noun}/_sidebar.html\" with items={noun}_list only %}}"
            );
            let _ = writeln!(out, "  {{# {} sidebar: keep it short #}}", camel(noun));
        }
        4 => {
            let _ = writeln!(
                out,
                "  {{{{ {noun}_data|json_script:\"{noun}-data-{index}\" }}}}"
            );
            let _ = writeln!(
                out,
                "  <script src=\"{{% static '{noun}/chart.js' %}}\"></script>"
            );
            let _ = writeln!(out, "  <script>");
            if rng.chance(20) {
                let _ = writeln!(out, "    var label = \"{{{{ {noun}.name }}}}\";");
            } else {
                let _ = writeln!(out, "    var label = \"{{{{ {noun}.name|escapejs }}}}\";");
            }
            let _ = writeln!(
                out,
                "    renderChart(JSON.parse(document.getElementById(\"{noun}-data-{index}\").textContent), label);"
            );
            let _ = writeln!(out, "  </script>");
        }
        5 => {
            let _ = writeln!(out, "  {{% with total={noun}_list|length %}}");
            let _ = writeln!(
                out,
                "    <p>{{% blocktrans count counter=total %}}{{{{ counter }}}} {noun}{{% plural %}}{{{{ counter }}}} {noun}s{{% endblocktrans %}}</p>"
            );
            let _ = writeln!(out, "  {{% endwith %}}");
            let _ = writeln!(out, "  <nav class=\"pagination\">");
            let _ = writeln!(
                out,
                "    {{% if page_obj.has_previous %}}<a href=\"?page={{{{ page_obj.previous_page_number }}}}\">&laquo;</a>{{% endif %}}"
            );
            let _ = writeln!(
                out,
                "    <span>{{{{ page_obj.number }}}} / {{{{ page_obj.paginator.num_pages }}}}</span>"
            );
            let _ = writeln!(
                out,
                "    {{% if page_obj.has_next %}}<a href=\"?page={{{{ page_obj.next_page_number }}}}\">&raquo;</a>{{% endif %}}"
            );
            let _ = writeln!(out, "  </nav>");
        }
        _ => {
            let _ = writeln!(
                out,
                "  <article class=\"{noun}\" data-id=\"{{{{ object.pk }}}}\">"
            );
            let _ = writeln!(out, "    <header>");
            let _ = writeln!(out, "      <h3>{{{{ object.title|title }}}}</h3>");
            let _ = writeln!(
                out,
                "      <time datetime=\"{{{{ object.created_at|date:'c' }}}}\">{{{{ object.created_at|date:\"DATE_FORMAT\" }}}}</time>"
            );
            let _ = writeln!(out, "    </header>");
            let _ = writeln!(
                out,
                "    <div class=\"body\">{{{{ object.{field}|linebreaksbr }}}}</div>"
            );
            if rng.chance(15) {
                let _ = writeln!(
                    out,
                    "    {{% autoescape off %}}{{{{ object.notes }}}}{{% endautoescape %}}"
                );
            }
            let _ = writeln!(out, "  </article>");
        }
    }
}

/// What [`write_project`] wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProjectStats {
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
}

fn write_file(path: &Path, text: &str, stats: &mut ProjectStats) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, text)?;
    stats.files += 1;
    stats.lines += text.lines().count();
    stats.bytes += text.len();
    Ok(())
}

/// A Django project under `root`: a settings package, `apps` apps with models, views, forms,
/// urls, admin, tests, migrations and templates of varied sizes.
pub fn write_project(root: &Path, apps: usize, seed: u64) -> io::Result<ProjectStats> {
    let mut rng = Rng::new(seed);
    let mut stats = ProjectStats::default();
    write_file(&root.join("manage.py"), MANAGE_PY, &mut stats)?;
    write_file(&root.join("config/__init__.py"), "", &mut stats)?;
    let mut settings = String::from(SETTINGS_PY);
    settings.push_str("INSTALLED_APPS += [\n");
    for app in 0..apps {
        let _ = writeln!(settings, "    \"apps.app{app}\",");
    }
    settings.push_str("]\n");
    write_file(&root.join("config/settings.py"), &settings, &mut stats)?;
    let mut urls = String::from("from django.urls import include, path\n\nurlpatterns = [\n");
    for app in 0..apps {
        let _ = writeln!(
            urls,
            "    path(\"app{app}/\", include(\"apps.app{app}.urls\")),"
        );
    }
    urls.push_str("]\n");
    write_file(&root.join("config/urls.py"), &urls, &mut stats)?;
    for app in 0..apps {
        let dir = root.join(format!("apps/app{app}"));
        write_file(&dir.join("__init__.py"), "", &mut stats)?;
        let s = rng.next_u64();
        let size = |rng: &mut Rng, lo, hi| rng.range(lo, hi);
        let n = size(&mut rng, 80, 900);
        write_file(&dir.join("views.py"), &python_module(n, s), &mut stats)?;
        let n = size(&mut rng, 40, 400);
        write_file(&dir.join("models.py"), &python_module(n, s ^ 1), &mut stats)?;
        let n = size(&mut rng, 30, 200);
        write_file(&dir.join("forms.py"), &python_module(n, s ^ 2), &mut stats)?;
        let n = size(&mut rng, 30, 300);
        write_file(&dir.join("api.py"), &python_module(n, s ^ 3), &mut stats)?;
        let n = size(&mut rng, 50, 600);
        write_file(&dir.join("tests.py"), &python_module(n, s ^ 4), &mut stats)?;
        write_file(&dir.join("admin.py"), ADMIN_PY, &mut stats)?;
        write_file(
            &dir.join("apps.py"),
            &format!(
                "from django.apps import AppConfig\n\n\nclass App{app}Config(AppConfig):\n    name = \"apps.app{app}\"\n    default_auto_field = \"django.db.models.BigAutoField\"\n"
            ),
            &mut stats,
        )?;
        write_file(&dir.join("urls.py"), URLS_PY, &mut stats)?;
        write_file(&dir.join("migrations/__init__.py"), "", &mut stats)?;
        for m in 0..rng.range(1, 4) {
            let n = size(&mut rng, 20, 120);
            write_file(
                &dir.join(format!("migrations/{:04}_auto.py", m + 1)),
                &python_module(n, s ^ (16 + m as u64)),
                &mut stats,
            )?;
        }
        for t in 0..rng.range(4, 10) {
            let n = size(&mut rng, 20, 250);
            write_file(
                &dir.join(format!("templates/app{app}/page_{t}.html")),
                &template(n, s ^ (64 + t as u64)),
                &mut stats,
            )?;
        }
    }
    Ok(stats)
}

const MANAGE_PY: &str = "#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"config.settings\")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == \"__main__\":
    main()
";

const SETTINGS_PY: &str = "from pathlib import Path
import os

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]
DEBUG = os.environ.get(\"DJANGO_DEBUG\") == \"1\"
ALLOWED_HOSTS = [\"example.com\"]
SECURE_HSTS_SECONDS = 31536000
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
INSTALLED_APPS = [
    \"django.contrib.admin\",
    \"django.contrib.auth\",
    \"django.contrib.contenttypes\",
    \"django.contrib.sessions\",
    \"django.contrib.messages\",
    \"django.contrib.staticfiles\",
]
MIDDLEWARE = [
    \"django.middleware.security.SecurityMiddleware\",
    \"django.contrib.sessions.middleware.SessionMiddleware\",
    \"django.middleware.common.CommonMiddleware\",
    \"django.middleware.csrf.CsrfViewMiddleware\",
    \"django.contrib.auth.middleware.AuthenticationMiddleware\",
    \"django.contrib.messages.middleware.MessageMiddleware\",
    \"django.middleware.clickjacking.XFrameOptionsMiddleware\",
]
ROOT_URLCONF = \"config.urls\"
TEMPLATES = [
    {
        \"BACKEND\": \"django.template.backends.django.DjangoTemplates\",
        \"DIRS\": [BASE_DIR / \"templates\"],
        \"APP_DIRS\": True,
        \"OPTIONS\": {\"context_processors\": [\"django.template.context_processors.request\"]},
    }
]
";

const ADMIN_PY: &str = "from django.contrib import admin

from . import models


@admin.register(models.Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (\"name\", \"status\", \"created_at\")
    list_filter = (\"status\",)
    search_fields = (\"name\", \"owner__email\")
";

const URLS_PY: &str = "from django.urls import path

from . import views

urlpatterns = [
    path(\"\", views.index, name=\"index\"),
    path(\"<int:pk>/\", views.detail, name=\"detail\"),
    path(\"<int:pk>/edit/\", views.edit, name=\"edit\"),
    path(\"search/\", views.search, name=\"search\"),
]
";

/// Where in a file a benchmark edits. The first nine are the spots of issue 16 (a benchmark's
/// default); the last three are the spots of earlier sessions, kept so that their figures can be
/// re-measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spot {
    /// Inside a string literal of a function view (editing a message, a URL name, a query).
    InString,
    /// A new statement in a function body (`value_id = 1`, typed on a new line).
    FunctionStatement,
    /// A new module-level statement between two definitions (`value_id = 1`).
    ModuleStatement,
    /// A new import at the top of the module (`import value_id`, on a new line before the
    /// first import).
    ImportTop,
    /// A new decorator line above a function view (`@value_id`).
    Decorator,
    /// A new class attribute in a class-based view (`value_id = 1`).
    ClassAttribute,
    /// Deleting a whole function view (selected and deleted at once; putting it back is not
    /// measured).
    DeleteFunction,
    /// Pasting about 200 lines of whole definitions (copied from the top of the module) between
    /// two definitions; removing them again is not measured.
    Paste,
    /// Undoing that paste (removing the 200 lines at once; pasting them is not measured).
    UndoPaste,
    /// At the end of a line in the middle of the file (typing `value_id` after a `)`: a syntax
    /// error on every keystroke).
    EndOfLine,
    /// At the first column of an indented statement (before `return`): the case where
    /// tree-sitter-python's external scanner (indentation) makes the reparse costlier.
    StatementStart,
    /// At the end of a line in a method of a class-based view: re-checks the class and the
    /// classes that name it (the class-scoped access rules), not only one function.
    InMethod,
}

impl Spot {
    /// The spots of issue 16, in its order.
    pub const ALL: [Spot; 9] = [
        Spot::InString,
        Spot::FunctionStatement,
        Spot::ModuleStatement,
        Spot::ImportTop,
        Spot::Decorator,
        Spot::ClassAttribute,
        Spot::DeleteFunction,
        Spot::Paste,
        Spot::UndoPaste,
    ];

    /// Every spot, including those of earlier sessions.
    pub const EVERY: [Spot; 12] = [
        Spot::InString,
        Spot::FunctionStatement,
        Spot::ModuleStatement,
        Spot::ImportTop,
        Spot::Decorator,
        Spot::ClassAttribute,
        Spot::DeleteFunction,
        Spot::Paste,
        Spot::UndoPaste,
        Spot::EndOfLine,
        Spot::StatementStart,
        Spot::InMethod,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Spot::InString => "in_string",
            Spot::FunctionStatement => "function_statement",
            Spot::ModuleStatement => "module_statement",
            Spot::ImportTop => "import_top",
            Spot::Decorator => "decorator",
            Spot::ClassAttribute => "class_attribute",
            Spot::DeleteFunction => "delete_function",
            Spot::Paste => "paste",
            Spot::UndoPaste => "undo_paste",
            Spot::EndOfLine => "end_of_line",
            Spot::StatementStart => "statement_start",
            Spot::InMethod => "in_method",
        }
    }

    pub fn parse(name: &str) -> Option<Spot> {
        Spot::EVERY.into_iter().find(|s| s.name() == name)
    }
}

impl std::fmt::Display for Spot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What is typed at the typing spots, then deleted again.
pub const WORD: &str = "value_id";

/// One edit of a [`Script`], in LSP coordinates of the text it applies to (zero-based line,
/// UTF-16 column; the generated Python is ASCII, so also a byte column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptEdit {
    pub start: (u32, u32),
    pub end: (u32, u32),
    pub text: String,
    /// Whether a benchmark counts this edit (the other edits of the cycle put the text back).
    pub measured: bool,
}

/// A benchmark session at one spot: the text to open, and a cycle of edits that ends with that
/// text again (so the cycle can be repeated for as long as the benchmark runs).
#[derive(Debug, Clone)]
pub struct Script {
    pub text: String,
    pub cycle: Vec<ScriptEdit>,
}

impl Script {
    /// The `i`-th edit of the session (cycling).
    pub fn edit(&self, i: usize) -> &ScriptEdit {
        &self.cycle[i % self.cycle.len()]
    }

    /// How many edits of a cycle are measured.
    pub fn measured_per_cycle(&self) -> usize {
        self.cycle.iter().filter(|e| e.measured).count()
    }
}

/// Type `word` one character at a time at `(line, column)`, then delete it with backspaces.
pub fn typing_script(text: String, line: u32, column: u32, word: &str) -> Script {
    let mut cycle = Vec::new();
    for (i, c) in word.chars().enumerate() {
        let at = (line, column + i as u32);
        cycle.push(ScriptEdit {
            start: at,
            end: at,
            text: c.to_string(),
            measured: true,
        });
    }
    for i in (0..word.chars().count()).rev() {
        cycle.push(ScriptEdit {
            start: (line, column + i as u32),
            end: (line, column + i as u32 + 1),
            text: String::new(),
            measured: true,
        });
    }
    Script { text, cycle }
}

/// Insert `lines` (whole lines) before line `at`, and remove them again: `insert_measured`
/// says which of the two is measured.
fn insert_and_remove(text: String, at: usize, lines: &str, insert_measured: bool) -> Script {
    let count = lines.matches('\n').count();
    let at = at as u32;
    let insert = ScriptEdit {
        start: (at, 0),
        end: (at, 0),
        text: lines.to_string(),
        measured: insert_measured,
    };
    let remove = ScriptEdit {
        start: (at, 0),
        end: (at + count as u32, 0),
        text: String::new(),
        measured: !insert_measured,
    };
    let cycle = if insert_measured {
        vec![insert, remove]
    } else {
        vec![remove, insert]
    };
    Script { text, cycle }
}

/// The text with `line` inserted (with its `\n`) before line `at`.
fn with_line(lines: &[&str], at: usize, line: &str) -> String {
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        if i == at {
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The line nearest the middle of `lines` for which `pick` is true.
fn nearest_middle(lines: &[&str], pick: impl Fn(usize) -> bool) -> Option<usize> {
    let middle = lines.len() / 2;
    (0..lines.len())
        .flat_map(|d| [middle + d, middle.saturating_sub(d)])
        .find(|&i| i < lines.len() && pick(i))
}

/// Whether line `i` starts a top-level definition (its first decorator or its `def`/`class`).
fn starts_unit(lines: &[&str], i: usize) -> bool {
    let line = lines[i];
    let first = ["def ", "class ", "@"].iter().any(|p| line.starts_with(p));
    first && (i == 0 || !lines[i - 1].starts_with('@'))
}

/// The session of `spot` in `text` (a generated module: [`python_module`] or
/// [`python_module_sized`]), near its middle.
pub fn script(text: &str, spot: Spot) -> Script {
    let lines: Vec<&str> = text.lines().collect();
    let fallback = || typing_script(text.to_string(), (lines.len() / 2) as u32, 0, WORD);
    match spot {
        Spot::InString | Spot::EndOfLine | Spot::StatementStart | Spot::InMethod => {
            let (line, column) = self::spot(text, spot);
            typing_script(text.to_string(), line, column, WORD)
        }
        Spot::FunctionStatement => {
            // After the docstring of a function view: a new indented line.
            let found = nearest_middle(&lines, |i| {
                i > 0 && lines[i - 1].starts_with("def ") && lines[i].starts_with("    \"\"\"")
            });
            match found {
                Some(i) => typing_script(
                    with_line(&lines, i + 1, "    "),
                    (i + 1) as u32,
                    4,
                    "value_id = 1",
                ),
                None => fallback(),
            }
        }
        Spot::ModuleStatement => {
            // The blank line just before a definition, two blank lines after the previous one.
            let found = nearest_middle(&lines, |i| {
                i >= 2
                    && starts_unit(&lines, i)
                    && lines[i - 1].is_empty()
                    && lines[i - 2].is_empty()
            });
            match found {
                Some(i) => typing_script(text.to_string(), (i - 1) as u32, 0, "value_id = 1"),
                None => fallback(),
            }
        }
        Spot::ImportTop => match lines.iter().position(|l| l.starts_with("import ")) {
            Some(i) => typing_script(with_line(&lines, i, ""), (i) as u32, 0, "import value_id"),
            None => fallback(),
        },
        Spot::Decorator => {
            let found = nearest_middle(&lines, |i| {
                lines[i].starts_with("def ") && lines[i].contains("(request")
            });
            match found {
                Some(i) => typing_script(with_line(&lines, i, ""), (i) as u32, 0, "@value_id"),
                None => fallback(),
            }
        }
        Spot::ClassAttribute => {
            let found = nearest_middle(&lines, |i| {
                lines[i].starts_with("class ") && lines[i].contains("View")
            });
            match found {
                Some(i) => typing_script(
                    with_line(&lines, i + 1, "    "),
                    (i + 1) as u32,
                    4,
                    "value_id = 1",
                ),
                None => fallback(),
            }
        }
        Spot::DeleteFunction => {
            let found = nearest_middle(&lines, |i| {
                starts_unit(&lines, i)
                    && lines[i..]
                        .iter()
                        .find(|l| l.starts_with("def "))
                        .is_some_and(|l| l.contains("(request"))
            });
            let Some(start) = found else {
                return fallback();
            };
            let end = (start + 1..lines.len())
                .find(|&j| starts_unit(&lines, j))
                .unwrap_or(lines.len());
            let function: String = lines[start..end].iter().map(|l| format!("{l}\n")).collect();
            insert_and_remove(text.to_string(), start, &function, false)
        }
        Spot::Paste | Spot::UndoPaste => {
            // Whole definitions from the top of the module, about 200 lines, pasted before a
            // definition in the middle.
            let Some(first) = (0..lines.len()).find(|&i| starts_unit(&lines, i)) else {
                return fallback();
            };
            let starts: Vec<usize> = (first..lines.len())
                .filter(|&i| starts_unit(&lines, i))
                .collect();
            let end = starts
                .iter()
                .copied()
                .min_by_key(|&e| (e - first).abs_diff(PASTE_LINES))
                .unwrap_or(first);
            let block: String = lines[first..end].iter().map(|l| format!("{l}\n")).collect();
            let Some(at) = nearest_middle(&lines, |i| starts_unit(&lines, i)) else {
                return fallback();
            };
            if spot == Spot::Paste {
                insert_and_remove(text.to_string(), at, &block, true)
            } else {
                // Undoing starts from the text with the paste in it.
                let pasted: String = lines[..at]
                    .iter()
                    .map(|l| format!("{l}\n"))
                    .chain(std::iter::once(block.clone()))
                    .chain(lines[at..].iter().map(|l| format!("{l}\n")))
                    .collect();
                insert_and_remove(pasted, at, &block, false)
            }
        }
    }
}

/// How many lines the paste spots paste (to the nearest whole definition).
pub const PASTE_LINES: usize = 200;

/// The zero-based line and UTF-16 column of a typing spot nearest the middle of `text` (the
/// spots whose position is one place in the text: `InString` and those of earlier sessions).
pub fn spot(text: &str, spot: Spot) -> (u32, u32) {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let column = |line: &str| -> Option<usize> {
        let indent = line.len() - line.trim_start().len();
        match spot {
            Spot::EndOfLine => {
                (indent >= 4 && line.trim_end().ends_with(')')).then_some(line.trim_end().len())
            }
            Spot::InString => line.find('"').and_then(|q| {
                let rest = &line[q + 1..];
                let close = rest.find('"')?;
                let mut at = q + 1 + close / 2;
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                (close > 2).then_some(at)
            }),
            Spot::StatementStart => {
                (indent >= 4 && line.trim_start().starts_with("return ")).then_some(indent)
            }
            Spot::InMethod => {
                (indent >= 8 && line.trim_end().ends_with(')')).then_some(line.trim_end().len())
            }
            // Not one place in the text: see [`script`].
            _ => None,
        }
    };
    // For `InMethod`, the line must be in a class: the nearest line before it at indentation 0
    // that is code starts a class.
    let in_class = |line_no: usize| -> bool {
        lines[..line_no]
            .iter()
            .rev()
            .find(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#']))
            .is_some_and(|l| l.starts_with("class "))
    };
    for distance in 0..lines.len() {
        for line_no in [middle + distance, middle.saturating_sub(distance)] {
            let Some(line) = lines.get(line_no) else {
                continue;
            };
            if let Some(col) = column(line).filter(|_| spot != Spot::InMethod || in_class(line_no))
            {
                let utf16 = line.get(..col).map_or(0, |l| l.encode_utf16().count());
                return (line_no as u32, utf16 as u32);
            }
        }
    }
    (middle as u32, 0)
}
