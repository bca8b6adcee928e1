//! Where the template benchmarks type, in a template made by [`super::template`], and what they
//! type there (a word, typed one character at a time and deleted again).

/// A place to type in a generated template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateSpot {
    /// Inside the variable name of a `{{ … }}` (`{{ item.name }}`).
    InVariable,
    /// In HTML text (right after a `<span>`).
    InText,
    /// Inside a quoted attribute value (`class="…"`).
    InAttribute,
    /// A new `{% now "Y" %}` tag at the start of a line between two sections (the tag is
    /// text until its closing `}` is typed).
    NewTag,
}

impl TemplateSpot {
    pub const ALL: [TemplateSpot; 4] = [
        TemplateSpot::InVariable,
        TemplateSpot::InText,
        TemplateSpot::InAttribute,
        TemplateSpot::NewTag,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TemplateSpot::InVariable => "in_variable",
            TemplateSpot::InText => "in_text",
            TemplateSpot::InAttribute => "in_attribute",
            TemplateSpot::NewTag => "new_tag",
        }
    }

    pub fn parse(name: &str) -> Option<TemplateSpot> {
        TemplateSpot::ALL.into_iter().find(|s| s.name() == name)
    }

    /// What is typed (then deleted) at this spot.
    pub fn word(self) -> &'static str {
        match self {
            TemplateSpot::NewTag => "{% now \"Y\" %}",
            _ => "value_id",
        }
    }

    /// The zero-based line and UTF-16 column of the spot nearest the middle of `text`.
    pub fn locate(self, text: &str) -> (u32, u32) {
        let lines: Vec<&str> = text.lines().collect();
        let middle = lines.len() / 2;
        let column = |line: &str| -> Option<usize> {
            match self {
                TemplateSpot::InVariable => line.find("{{ ").map(|i| i + 5),
                TemplateSpot::InText => line.find("<span>").map(|i| i + "<span>".len()),
                TemplateSpot::InAttribute => line.find("class=\"").map(|i| i + 8),
                TemplateSpot::NewTag => {
                    (line.starts_with("  <") || line.starts_with("  {%")).then_some(0)
                }
            }
        };
        for distance in 0..lines.len() {
            for line_no in [middle + distance, middle.saturating_sub(distance)] {
                if let Some(col) = lines.get(line_no).and_then(|l| column(l)) {
                    // Every byte before these columns is ASCII in the generated template.
                    return (line_no as u32, col as u32);
                }
            }
        }
        (middle as u32, 0)
    }
}
