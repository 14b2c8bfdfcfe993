//! State cases (`x-specgate-conflicts`): a request repeated while the first
//! is pending is refused, as an ordered sequence; another key still succeeds.

use super::{Planner, Step};

pub fn cases(p: &mut Planner<'_>) {
    let conflicts = p.op.conflicts.clone();
    for c in conflicts {
        let Some(key) = p.keys.fresh(&[]) else {
            return;
        };
        let first = p.baseline(&key);
        let keys = c.key.join("+");
        let expect = p.expect_code(Some(&c.code), 409);
        let mut steps = vec![
            Step {
                request: first.clone(),
                expect: p.success(),
            },
            Step {
                request: first,
                expect,
            },
        ];
        if let Some(other) = p.keys.fresh(&[]) {
            steps.push(Step {
                request: p.baseline(&other),
                expect: p.success(),
            });
        }
        let what = c
            .description
            .clone()
            .unwrap_or_else(|| format!("the same {keys}"));
        p.push(
            format!("state.{}.repeat", c.code),
            format!(
                "A request repeated with the same {keys} is refused with {} ({what}); another {keys} still succeeds",
                c.code
            ),
            "x-specgate-conflicts",
            "/x-specgate-conflicts",
            steps,
        );
    }
}
