//! The demo's year in progress: what happened in the demo registry during the half year before
//! it was loaded, made through the same store calls and domain rules as real use (an
//! observation is judged on site or not by `verdict::judge`, every step of an item by
//! `list_item::apply` inside `transition_item`, every comment through `insert_comment` and
//! moderation, the audit findings as a file through the findings import). The report's 67
//! problems and 102 suggestions come from deputies' observations with generated photos; items
//! stand in every state (some overdue, some reopened); officers answer with evidence photos;
//! 630 audit findings arrive as a file; about 1,200 public comments give rates near the
//! report's 97 % support and 95 % satisfaction; the steps notify who they notify in real use.
//!
//! The calls run within a minute, so each row's clock is then moved back to the day its story
//! gives it (`store::demo_clock`): the dashboard's weeks, the deadlines and "overdue" read as a
//! year in progress on the day it is loaded. Deterministic (one seed, fixed ids) and idempotent:
//! once the audit file is in, loading again changes nothing.

use std::collections::{HashMap, HashSet};

use app::domain::comment::{CommentInput, Moderation};
use app::domain::list_item::{Action, AnswerRating, Channel, ItemKind};
use app::domain::observation::{ObservationInput, PositionInput, PositionSource};
use app::domain::photo_evidence::{PhotoFactsInput, PhotoOrigin};
use app::domain::verdict::judge;
use app::domain::{DisplayName, Password, Role, Username};
use app::domain::{Observation, ObservationKind, PhotoHash};
use app::error::AppError;
use app::store::field::Stored;
use app::store::media::MediaStore;
use app::store::public::{CommentStored, NewComment};
use app::store::seed::SeedData;
use app::store::users::{NewUser, UserRecord};
use app::store::Db;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::demo::{Ids, DEMO_PASSWORD, DEMO_YEAR};

/// The audit file's name: imported last, so its presence means the whole year is in.
pub const AUDIT_FILE: &str = "演示-2025专项审计问题清单.csv";
/// Findings in the audit file (the report: "600+").
pub const AUDIT_FINDINGS: usize = 630;
/// Items from deputies' observations (the report: 67 problems, 102 suggestions).
pub const DEPUTY_PROBLEMS: usize = 67;
pub const DEPUTY_SUGGESTIONS: usize = 102;
/// Public comments over the year.
pub const COMMENTS: usize = 1_200;

/// What one load of the year stored.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct YearLoaded {
    pub observations: usize,
    pub photos: usize,
    pub items: usize,
    pub steps: usize,
    pub comments: usize,
    pub findings: usize,
}

/// How one item made from observations ends up on the day of loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Draft,
    Forwarded {
        overdue: bool,
    },
    Acknowledged {
        overdue: bool,
    },
    Answered {
        late: bool,
        rated: bool,
    },
    Closed {
        rated: bool,
    },
    /// Answered, found wanting and sent back; `closed` when the second answer was verified.
    Reopened {
        closed: bool,
    },
}

/// The fates of the deputies' 169 items, shuffled over them by the seed.
fn fates(rng: &mut ChaCha8Rng) -> Vec<Fate> {
    use Fate::*;
    let mut v = Vec::new();
    let mut add = |n: usize, f: Fate| v.extend(std::iter::repeat_n(f, n));
    add(12, Draft);
    add(14, Forwarded { overdue: false });
    add(10, Forwarded { overdue: true });
    add(14, Acknowledged { overdue: false });
    add(10, Acknowledged { overdue: true });
    add(
        16,
        Answered {
            late: false,
            rated: false,
        },
    );
    add(
        8,
        Answered {
            late: true,
            rated: true,
        },
    );
    add(
        6,
        Answered {
            late: false,
            rated: true,
        },
    );
    add(40, Closed { rated: true });
    add(27, Closed { rated: false });
    add(7, Reopened { closed: false });
    add(5, Reopened { closed: true });
    debug_assert_eq!(v.len(), DEPUTY_PROBLEMS + DEPUTY_SUGGESTIONS);
    v.shuffle(rng);
    v
}

const PROBLEMS: [&str; 16] = [
    "施工围挡破损，夜间无警示灯，存在安全隐患",
    "无障碍坡道坡度过陡，轮椅难以通行",
    "多台设备故障停用，现场未张贴报修电话",
    "公示牌内容与实际建设内容不一致",
    "部分路段照明不足，夜间行走不便",
    "工程进度明显滞后于年度计划",
    "消防通道被施工材料占用",
    "排水不畅，雨后路面积水严重",
    "服务时间与公示不符，居民反映经常关门",
    "设施建成后无人管理，卫生状况较差",
    "扶手松动，老人使用存在风险",
    "标识不清，居民找不到入口",
    "噪声扰民，施工时间超出规定",
    "电动自行车充电点未配备灭火器",
    "价格公示不清，收费标准不透明",
    "验收后出现墙面开裂、渗水",
];

const SUGGESTIONS: [&str; 16] = [
    "建议增设休息座椅和遮阳设施",
    "建议延长开放时间至晚上八点",
    "建议增加适老化菜品并公示营养搭配",
    "建议在入口处增设导视牌",
    "建议与社区卫生服务站联动开展健康服务",
    "建议增加快充桩比例，缩短排队时间",
    "建议设置意见箱并定期公开处理情况",
    "建议引入志愿者参与日常运营",
    "建议完善夜间照明和监控覆盖",
    "建议定期组织居民满意度回访",
    "建议增设无障碍卫生间",
    "建议在周边增设公交站点",
    "建议公开建设资金使用明细",
    "建议统筹周边停车，缓解拥堵",
    "建议增加儿童游乐设施",
    "建议推广“点单式”上门服务",
];

const GOOD_PRACTICE: [&str; 4] = [
    "居民议事会全程参与设计，值得推广",
    "“嵌入式”服务站利用闲置用房，成本低见效快",
    "施工期间每周公示进度，居民认可度高",
    "志愿者轮值管理，设施保持整洁",
];

const DISMISS: [&str; 3] = [
    "与已有事项重复",
    "不属于本年度民生实事项目范围",
    "经核实已整改到位",
];

const ANSWERS: [&str; 6] = [
    "已组织施工单位现场整改，整改前后照片附后。",
    "已制定整改方案，明确责任人和完成时限，整改完成后将报送验收。",
    "已更换故障设备并张贴报修电话，安排专人每周巡查。",
    "已调整服务时间并在现场公示，社区同步通知居民。",
    "已增设相关设施，并纳入日常管护台账。",
    "经研究采纳建议，已列入下一阶段建设计划并公示。",
];

const REOPEN: [&str; 3] = [
    "现场复核仍未整改到位，请重新整改",
    "整改照片与现场不符，请补充说明",
    "居民反映问题反复出现，请彻底整改",
];

const AUDIT: [&str; 10] = [
    "资金拨付进度滞后于合同约定",
    "项目台账资料不全，缺少验收记录",
    "部分设施未按设计标准建设",
    "政府采购程序不规范",
    "绩效目标设定不明确，难以考核",
    "运营维护经费未落实",
    "工程变更未履行审批手续",
    "配套资金未及时到位",
    "建设内容与申报内容不一致",
    "建成设施使用率偏低",
];

const PRAISE: [&str; 14] = [
    "饭菜可口，价格实惠，老人很满意",
    "绿道修得很好，周末常来散步",
    "充电很方便，再也不用拉线充电了",
    "电梯装好后老人上下楼方便多了",
    "环境比以前干净多了，感谢政府",
    "工作人员态度很好",
    "希望多建几个这样的地方",
    "孩子上学更近了，家长放心",
    "驿站有热水和空调，外卖小哥很需要",
    "急救设备就在小区门口，安心",
    "公园小巧精致，晚上很热闹",
    "改造后停车有序了",
    "河道变清了，夏天没有异味了",
    "培训课程实用，学到了技能",
];

const COMPLAINTS: [&str; 8] = [
    "施工太吵，晚上十点还在干活",
    "开放时间太短，下班后用不上",
    "设施坏了好几天没人修",
    "排队太久，建议增加窗口",
    "入口太难找，没有指示牌",
    "价格比说好的贵",
    "路灯不亮，晚上不敢走",
    "占用了原来的停车位",
];

/// The day in China of an instant: what the domain calls today.
fn china_day(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(8)).date_naive()
}

struct Clock {
    now: DateTime<Utc>,
}

impl Clock {
    /// `days` before the load, never later than a minute before it.
    fn ago(&self, days: f64) -> DateTime<Utc> {
        let d = Duration::seconds((days.max(0.0) * 86_400.0) as i64);
        (self.now - d).min(self.now - Duration::minutes(1))
    }
}

/// A photo as a phone would send it (a small one): 480×360 JPEG, sky over ground in the site
/// kind's tint with a few blocks on it, a different scene for each seed.
fn photo(seed: u64, tint: [u8; 3]) -> Result<Vec<u8>, AppError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut img = image::RgbImage::from_fn(480, 360, |_, y| {
        let t = y as f32 / 360.0;
        let mix = |a: u8, b: u8| (a as f32 * (1.0 - t) + b as f32 * t) as u8;
        if y < 120 {
            image::Rgb([mix(150, 210), mix(190, 220), 235])
        } else {
            image::Rgb([mix(tint[0], 60), mix(tint[1], 60), mix(tint[2], 60)])
        }
    });
    for _ in 0..5 {
        let (x, y) = (rng.gen_range(0..400), rng.gen_range(90..320));
        let (w, h) = (rng.gen_range(30..150), rng.gen_range(20..120));
        let block =
            image::RgbImage::from_pixel(w, h, image::Rgb([rng.gen(), rng.gen(), rng.gen()]));
        image::imageops::replace(&mut img, &block, x, y);
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 70)
        .encode_image(&img)
        .map_err(|e| internal(e.to_string()))?;
    Ok(out)
}

fn internal(msg: impl Into<String>) -> AppError {
    AppError::new(app::error::ErrorCode::Internal, msg.into())
}

/// The accounts the year needs besides the four demo accounts: one for every other deputy on
/// the roster (`demo-deputy-002` …) and one officer for every other lead unit
/// (`demo-officer-<unit code>`), all with the demo password.
async fn accounts(
    db: &Db,
    data: &SeedData,
) -> Result<(HashMap<Uuid, UserRecord>, HashMap<Uuid, UserRecord>), AppError> {
    let password = Password::parse(DEMO_PASSWORD).map_err(|_| internal("demo password"))?;
    // One hash for all: they share the password, and 190 hashes would take most of a minute.
    let hash = tokio::task::spawn_blocking(move || app::auth::ssr::hash_password(&password))
        .await
        .map_err(|_| internal("hashing"))??;
    let mut deputies = HashMap::new();
    for (i, d) in data.deputies.iter().enumerate() {
        let username = if i == 0 {
            "demo-deputy".to_owned()
        } else {
            format!("demo-deputy-{:03}", i + 1)
        };
        if i > 0 {
            let new = NewUser {
                username: Username::parse(&username).map_err(|_| internal("username"))?,
                display_name: DisplayName::parse(&d.name_zh).map_err(|_| internal("name"))?,
                password_hash: hash.clone(),
                role: Role::Deputy,
                unit_id: None,
                deputy_id: Some(d.id),
            };
            db.insert_user(&new, true).await?;
        }
        let user = db
            .user_by_username(&username)
            .await?
            .ok_or_else(|| internal(format!("{username} missing")))?;
        deputies.insert(d.id, user);
    }
    let mut officers = HashMap::new();
    for u in &data.units {
        let username = if u.code == "civil-affairs" {
            "demo-officer".to_owned()
        } else {
            format!("demo-officer-{}", u.code)
        };
        if u.code != "civil-affairs" {
            let new = NewUser {
                username: Username::parse(&username).map_err(|_| internal("username"))?,
                display_name: DisplayName::parse(&format!("{}联络员（演示）", u.name_zh))
                    .map_err(|_| internal("name"))?,
                password_hash: hash.clone(),
                role: Role::UnitOfficer,
                unit_id: Some(u.id),
                deputy_id: None,
            };
            db.insert_user(&new, true).await?;
        }
        let user = db
            .user_by_username(&username)
            .await?
            .ok_or_else(|| internal(format!("{username} missing")))?;
        officers.insert(u.id, user);
    }
    Ok((deputies, officers))
}

/// One site of the registry as the story needs it.
struct Site {
    id: Uuid,
    code: String,
    name: String,
    unit: Uuid,
    unit_zh: String,
    geometry: app::domain::SiteGeometry,
    tint: [u8; 3],
}

/// An item's steps in order, each with how many days before the load it was taken.
fn steps_for(fate: Fate, made: f64, rng: &mut ChaCha8Rng) -> Vec<(f64, Step)> {
    use Fate::*;
    let mut s = Vec::new();
    let fwd = made - rng.gen_range(0.5..3.0);
    // A deadline `days` after the forward; "overdue" ones fall before the load.
    let deadline = |rng: &mut ChaCha8Rng, overdue: bool| {
        if overdue {
            rng.gen_range(15.0..(fwd - 3.0).clamp(16.0, 30.0))
        } else {
            fwd + rng.gen_range(8.0..40.0)
        }
    };
    match fate {
        Draft => {}
        Forwarded { overdue } => {
            let d = deadline(rng, overdue);
            s.push((fwd, Step::Forward(d)));
        }
        Acknowledged { overdue } => {
            let d = deadline(rng, overdue);
            s.push((fwd, Step::Forward(d)));
            s.push((fwd - rng.gen_range(0.3..3.0), Step::Acknowledge));
        }
        Answered { late, rated } => {
            let d = rng.gen_range(20.0..30.0);
            s.push((fwd, Step::Forward(d)));
            let ack = fwd - rng.gen_range(0.3..2.0);
            s.push((ack, Step::Acknowledge));
            let ans = if late {
                fwd - d - rng.gen_range(2.0..10.0)
            } else {
                ack - rng.gen_range(2.0..(d - 3.0))
            };
            s.push((ans, Step::Answer));
            if rated {
                s.push((ans - rng.gen_range(0.2..2.0), Step::Rate));
            }
        }
        Closed { rated } => {
            let d = rng.gen_range(20.0..40.0);
            s.push((fwd, Step::Forward(d)));
            let ack = fwd - rng.gen_range(0.3..2.0);
            s.push((ack, Step::Acknowledge));
            let ans = ack - rng.gen_range(3.0..(d - 2.0));
            s.push((ans, Step::Answer));
            let mut last = ans;
            if rated {
                last = ans - rng.gen_range(0.2..2.0);
                s.push((last, Step::Rate));
            }
            s.push((last - rng.gen_range(1.0..6.0), Step::Verify));
        }
        Reopened { closed } => {
            let d = rng.gen_range(20.0..30.0);
            s.push((fwd, Step::Forward(d)));
            let ack = fwd - rng.gen_range(0.3..2.0);
            s.push((ack, Step::Acknowledge));
            let ans = ack - rng.gen_range(3.0..12.0);
            s.push((ans, Step::Answer));
            let reopen = ans - rng.gen_range(2.0..6.0);
            s.push((reopen, Step::Reopen));
            if closed {
                let again = reopen - rng.gen_range(4.0..12.0);
                s.push((again, Step::Answer));
                s.push((again - rng.gen_range(1.0..4.0), Step::Verify));
            }
        }
    }
    s
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// Forward to the site's lead unit with a deadline this many days after the step.
    Forward(f64),
    Acknowledge,
    Answer,
    Rate,
    Verify,
    Reopen,
}

struct Story<'a> {
    db: &'a Db,
    media: &'a MediaStore,
    copies_due: &'a tokio::sync::Notify,
    clock: Clock,
    staff: UserRecord,
    officers: HashMap<Uuid, UserRecord>,
    loaded: YearLoaded,
}

impl Story<'_> {
    async fn store_photo(&mut self, bytes: Vec<u8>, by: Uuid) -> Result<PhotoHash, AppError> {
        let hash = PhotoHash::of(&bytes);
        crate::media::store_photo(
            self.db,
            self.media,
            self.copies_due,
            &hash,
            bytes.into(),
            by,
        )
        .await
        .map_err(|r| r.error)?;
        self.loaded.photos += 1;
        Ok(hash)
    }

    /// Takes an item's steps as the people who take them, each on its own day.
    async fn take_steps(
        &mut self,
        item: Uuid,
        site: &Site,
        reporter: Option<&UserRecord>,
        made: f64,
        steps: &[(f64, Step)],
        rng: &mut ChaCha8Rng,
    ) -> Result<(), AppError> {
        let mut times = vec![self.clock.ago(made)];
        for (days, step) in steps {
            let at = self.clock.ago(*days);
            let today = china_day(at);
            let officer = self
                .officers
                .get(&site.unit)
                .ok_or_else(|| internal("a unit without an officer"))?;
            let mut photos = Vec::new();
            let (user, action) = match step {
                Step::Forward(after) => {
                    let deadline = china_day(at + Duration::seconds((after * 86_400.0) as i64));
                    (
                        &self.staff,
                        Action::Forward {
                            unit: site.unit,
                            deadline,
                        },
                    )
                }
                Step::Acknowledge => (officer, Action::Acknowledge),
                Step::Answer => {
                    // Half the answers carry a photo of the rectified site.
                    if rng.gen_bool(0.5) {
                        let bytes = photo(rng.gen(), site.tint)?;
                        let officer_id = officer.id;
                        photos.push(
                            self.store_photo(bytes, officer_id)
                                .await?
                                .as_str()
                                .to_owned(),
                        );
                    }
                    let officer = self
                        .officers
                        .get(&site.unit)
                        .ok_or_else(|| internal("a unit without an officer"))?;
                    let text = ANSWERS[rng.gen_range(0..ANSWERS.len())].to_owned();
                    (officer, Action::Answer { text })
                }
                Step::Rate => {
                    let Some(r) = reporter else { continue };
                    let rating = match rng.gen_range(0..10) {
                        0 => AnswerRating::Dissatisfied,
                        1 | 2 => AnswerRating::Basic,
                        _ => AnswerRating::Satisfied,
                    };
                    (r, Action::Rate { rating })
                }
                Step::Verify => (&self.staff, Action::Verify),
                Step::Reopen => (
                    &self.staff,
                    Action::Reopen {
                        reason: REOPEN[rng.gen_range(0..REOPEN.len())].to_owned(),
                    },
                ),
            };
            self.db
                .transition_item(item, user, &action, &photos, today)
                .await?;
            times.push(at);
            self.loaded.steps += 1;
        }
        self.db.set_item_clock(item, &times).await
    }
}

/// Loads the year into a database that holds the demo registry and its four accounts
/// (`load_demo`). `None` when it is there already.
pub async fn load(
    db: &Db,
    media: &MediaStore,
    copies_due: &tokio::sync::Notify,
) -> Result<Option<YearLoaded>, AppError> {
    if db.demo_year_loaded(AUDIT_FILE).await? {
        return Ok(None);
    }
    let data = crate::demo::generate();
    let mut rng = ChaCha8Rng::seed_from_u64(0x2025_0601);
    // Ids of the observations, comments and forms: fixed, after the registry's.
    let mut ids = Ids {
        rng: ChaCha8Rng::seed_from_u64(0x5945_4152),
        ms: 1_750_000_000_000,
    };
    let (deputies, officers) = accounts(db, &data).await?;
    let staff = db
        .user_by_username("demo-staff")
        .await?
        .ok_or_else(|| internal("demo-staff missing: load the demo registry first"))?;

    let unit_of_sub: HashMap<Uuid, Uuid> = data
        .sub_items
        .iter()
        .map(|s| (s.id, s.lead_unit_id))
        .collect();
    let unit_zh: HashMap<Uuid, String> = data
        .units
        .iter()
        .map(|u| (u.id, u.name_zh.clone()))
        .collect();
    let sites: Vec<Site> = data
        .sites
        .iter()
        .map(|s| {
            let unit = unit_of_sub[&s.sub_item_id];
            let h = Sha256::digest(s.kind.as_str().as_bytes());
            Site {
                id: s.id,
                code: s.public_code.as_str().to_owned(),
                name: s.name_zh.clone(),
                unit,
                unit_zh: unit_zh[&unit].clone(),
                geometry: s.geometry.clone(),
                tint: [80 + h[0] / 2, 100 + h[1] / 3, 60 + h[2] / 3],
            }
        })
        .collect();
    let group_of_unit: HashMap<Uuid, Uuid> = data
        .groups
        .iter()
        .flat_map(|g| g.unit_ids.iter().map(move |u| (*u, g.id)))
        .collect();
    let mut members: HashMap<Uuid, Vec<&UserRecord>> = HashMap::new();
    for d in &data.deputies {
        members
            .entry(d.group_id)
            .or_default()
            .push(&deputies[&d.id]);
    }
    let demo_deputy = &deputies[&data.deputies[0].id];
    let demo_group = data.deputies[0].group_id;

    let mut story = Story {
        db,
        media,
        copies_due,
        clock: Clock { now: Utc::now() },
        staff: staff.clone(),
        officers,
        loaded: YearLoaded::default(),
    };

    // The deputies' observations: 169 become items, 20 are dismissed, 32 still wait in the
    // review queue. Each is at a site its deputy's group follows.
    let fates = fates(&mut rng);
    let item_count = fates.len();
    let total = item_count + 20 + 32;
    let mut planned = Vec::with_capacity(total);
    for k in 0..total {
        // The demo deputy's group gets a share, so signing in as them shows a lived-in app.
        let site = if k % 9 == 0 {
            let own: Vec<&Site> = sites
                .iter()
                .filter(|s| group_of_unit.get(&s.unit) == Some(&demo_group))
                .collect();
            own[rng.gen_range(0..own.len())]
        } else {
            &sites[rng.gen_range(0..sites.len())]
        };
        let group = group_of_unit[&site.unit];
        let deputy = if k % 9 == 0 && k % 2 == 0 {
            demo_deputy
        } else {
            let m = &members[&group];
            m[rng.gen_range(0..m.len())]
        };
        let (kind, phrases): (ObservationKind, &[&str]) = if k < DEPUTY_PROBLEMS {
            (ObservationKind::Problem, &PROBLEMS)
        } else if k < item_count {
            (ObservationKind::Suggestion, &SUGGESTIONS)
        } else if k % 5 == 0 {
            (ObservationKind::GoodPractice, &GOOD_PRACTICE)
        } else if k % 2 == 0 {
            (ObservationKind::Problem, &PROBLEMS)
        } else {
            (ObservationKind::Suggestion, &SUGGESTIONS)
        };
        let note = format!(
            "{}：{}",
            site.name,
            phrases[rng.gen_range(0..phrases.len())]
        );
        // When the item was made (days before the load), from its fate; the queue is recent.
        let made = if let Some(fate) = fates.get(k) {
            match fate {
                Fate::Draft => rng.gen_range(1.0..12.0),
                Fate::Forwarded { overdue } | Fate::Acknowledged { overdue } => {
                    if *overdue {
                        rng.gen_range(55.0..120.0)
                    } else {
                        rng.gen_range(6.0..25.0)
                    }
                }
                Fate::Answered { late: true, .. } => rng.gen_range(60.0..110.0),
                Fate::Answered { .. } => rng.gen_range(30.0..100.0),
                Fate::Closed { .. } => rng.gen_range(50.0..170.0),
                Fate::Reopened { .. } => rng.gen_range(70.0..150.0),
            }
        } else if k < item_count + 20 {
            rng.gen_range(10.0..160.0)
        } else {
            rng.gen_range(0.0..20.0)
        };
        let captured = made + rng.gen_range(0.3..5.0);
        planned.push((k, site, deputy, kind, note, made, captured, ids.next()));
    }
    let obs_ids: Vec<Uuid> = planned.iter().map(|p| p.7).collect();
    if db.observations_present(&obs_ids).await? > 0 {
        return Err(internal(
            "the demo year was begun here and broken off: load it into a fresh database",
        ));
    }

    for (k, site, deputy, kind, note, made, captured, id) in planned {
        let captured_at = story.clock.ago(captured);
        // Most stand at the site; some record it from the road, a few had no fix.
        let anchor = site.geometry.anchor();
        let position = match rng.gen_range(0..20) {
            0 => None,
            1..=3 => Some(PositionInput {
                lat: anchor.lat + rng.gen_range(0.004..0.008),
                lon: anchor.lon + rng.gen_range(-0.004..0.004),
                accuracy_m: rng.gen_range(8.0..30.0),
                source: PositionSource::Gps,
            }),
            _ => Some(PositionInput {
                lat: anchor.lat + rng.gen_range(-0.0001..0.0001),
                lon: anchor.lon + rng.gen_range(-0.0001..0.0001),
                accuracy_m: rng.gen_range(4.0..20.0),
                source: PositionSource::Gps,
            }),
        };
        let mut photo_hashes = Vec::new();
        // Most with one photo, some with two, some with none.
        let photos = match rng.gen_range(0..10) {
            0..=2 => 0,
            3..=8 => 1,
            _ => 2,
        };
        for _ in 0..photos {
            let bytes = photo(rng.gen(), site.tint)?;
            photo_hashes.push(
                story
                    .store_photo(bytes, deputy.id)
                    .await?
                    .as_str()
                    .to_owned(),
            );
        }
        // Most photos are taken there and then with the form's camera; about one in eight comes
        // from the gallery, taken weeks to a year before somewhere else across the city. A
        // generator of their own (seeded by the record) leaves the rest of the year as it was.
        let mut prng = ChaCha8Rng::seed_from_u64(id.as_u64_pair().1);
        let photo_facts = photo_hashes
            .iter()
            .map(|sha| {
                let chosen_at = captured_at + chrono::Duration::seconds(prng.gen_range(5..300));
                if prng.gen_range(0..8) == 0 {
                    PhotoFactsInput {
                        sha256: sha.clone(),
                        origin: PhotoOrigin::Gallery,
                        chosen_at,
                        taken_at: Some(
                            captured_at - chrono::Duration::days(prng.gen_range(20..380)),
                        ),
                        lat: Some(anchor.lat + prng.gen_range(0.02..0.06)),
                        lon: Some(anchor.lon - prng.gen_range(0.02..0.06)),
                    }
                } else {
                    PhotoFactsInput {
                        sha256: sha.clone(),
                        origin: PhotoOrigin::Camera,
                        chosen_at,
                        taken_at: Some(
                            chosen_at - chrono::Duration::seconds(prng.gen_range(1..30)),
                        ),
                        lat: Some(anchor.lat + prng.gen_range(-0.0001..0.0001)),
                        lon: Some(anchor.lon + prng.gen_range(-0.0001..0.0001)),
                    }
                }
            })
            .collect();
        let input = ObservationInput {
            site_id: site.id,
            kind,
            note: note.clone(),
            tags: Vec::new(),
            captured_at,
            position,
            photos: photo_hashes,
            photo_facts,
        };
        let obs = Observation::parse(id, &input, story.clock.now)
            .map_err(|e| internal(format!("demo observation refused: {e:?}")))?;
        let (verdict, distance) = judge(&site.geometry, obs.position.as_ref());
        let (_, project_year) = db
            .site_geometry(site.id)
            .await?
            .ok_or_else(|| internal("a demo site vanished"))?;
        let photos: Vec<_> = obs
            .photo_facts
            .iter()
            .map(|f| f.judge(&site.geometry, project_year))
            .collect();
        match db
            .store_observation(deputy.id, &obs, verdict, distance, &photos)
            .await?
        {
            Stored::Created(_) => {}
            _ => return Err(internal("a demo observation was there already")),
        }
        story.loaded.observations += 1;
        // Sent when captured, or when the phone found a signal a few hours later.
        let received = story.clock.ago(captured - rng.gen_range(0.0..0.2));
        if k < item_count {
            let item_kind = if kind == ObservationKind::Problem {
                ItemKind::Problem
            } else {
                ItemKind::Suggestion
            };
            let item = db
                .create_item(&[id], &[], item_kind, &note, staff.id, DEMO_YEAR)
                .await?;
            story.loaded.items += 1;
            db.set_observation_clock(id, received, story.clock.ago(made))
                .await?;
            let steps = steps_for(fates[k], made, &mut rng);
            story
                .take_steps(item, site, Some(deputy), made, &steps, &mut rng)
                .await?;
        } else if k < item_count + 20 {
            db.dismiss_observation(id, DISMISS[k % DISMISS.len()], staff.id)
                .await?;
            db.set_observation_clock(id, received, story.clock.ago(made))
                .await?;
        } else {
            db.set_observation_clock(id, received, received).await?;
        }
    }
    db.recount_observation_weeks().await?;

    comments(&mut story, &sites, &mut rng, &mut ids).await?;
    audit(&mut story, &sites, &mut rng).await?;
    Ok(Some(story.loaded))
}

/// The public's comments: many ratings, some words, a little spam; staff publish most, hide
/// the spam, and hand a few complaints to the review queue, some of which become items.
async fn comments(
    story: &mut Story<'_>,
    sites: &[Site],
    rng: &mut ChaCha8Rng,
    ids: &mut Ids,
) -> Result<(), AppError> {
    let db = story.db;
    // A third of the comments fall on forty busy sites.
    let busy: Vec<&Site> = sites.choose_multiple(rng, 40).collect();
    let mut said: HashSet<(Uuid, &str)> = HashSet::new();
    let mut problems = Vec::new();
    for k in 0..COMMENTS {
        let site = if k % 3 == 0 {
            busy[rng.gen_range(0..busy.len())]
        } else {
            &sites[rng.gen_range(0..sites.len())]
        };
        let satisfaction = match rng.gen_range(0..100) {
            0..=87 => "satisfied",
            88..=94 => "basic",
            _ => "dissatisfied",
        };
        let support = match rng.gen_range(0..100) {
            0..=96 => "yes",
            97..=98 => "not_sure",
            _ => "no",
        };
        let spam = rng.gen_range(0..100) < 3;
        let words: Option<&str> = if spam {
            Some("加微信领红包，日赚三百，详询客服")
        } else if rng.gen_range(0..100) < 35 {
            let list: &[&str] = if satisfaction == "dissatisfied" {
                &COMPLAINTS
            } else {
                &PRAISE
            };
            let w = list[rng.gen_range(0..list.len())];
            // The same words twice at one site in a day are refused as a repeat: say it once.
            said.insert((site.id, w)).then_some(w)
        } else {
            None
        };
        let input = CommentInput::parse(Some(satisfaction), Some(support), words, None, false)
            .map_err(|e| internal(format!("demo comment refused: {e}")))?;
        let id = ids.next();
        let form_token = ids.next();
        let client_hash = Sha256::digest(format!("demo-visitor-{k}").as_bytes()).to_vec();
        let stored = db
            .insert_comment(&NewComment {
                id,
                site_id: site.id,
                input: &input,
                photo_sha256: None,
                phone_hash: None,
                phone_cipher: None,
                client_hash,
                form_token,
                receipt_hash: None,
            })
            .await?;
        if !matches!(stored, CommentStored::Created) {
            return Err(internal("a demo comment was refused as a repeat"));
        }
        story.loaded.comments += 1;
        let posted_days = rng.gen_range(0.05..175.0);
        let posted = story.clock.ago(posted_days);
        // The last three days' comments still wait for moderation.
        let action = if posted_days < 3.0 {
            None
        } else if spam {
            Some(Moderation::Hide {
                reason: "广告".into(),
                category: app::domain::comment::HideCategory::Spam,
            })
        } else if satisfaction == "dissatisfied" && words.is_some() && problems.len() < 24 {
            Some(Moderation::MarkProblem)
        } else {
            Some(Moderation::Publish)
        };
        let moderated = match &action {
            Some(a) => {
                db.moderate_comment(id, a, story.staff.id).await?;
                Some(story.clock.ago(posted_days - rng.gen_range(0.02..1.5)))
            }
            None => None,
        };
        db.set_comment_clock(id, posted, moderated).await?;
        if matches!(action, Some(Moderation::MarkProblem)) {
            problems.push((id, site, posted_days, words.unwrap_or_default()));
        }
    }
    // Two thirds of the complaints handed on become items of the public survey channel; the
    // rest wait in the review queue.
    for (n, (comment, site, posted_days, words)) in problems.into_iter().enumerate() {
        if n % 3 == 2 {
            continue;
        }
        let made = (posted_days - rng.gen_range(1.0..3.0)).max(0.5);
        let description = format!("{}：群众反映“{words}”", site.name);
        let item = db
            .create_item(
                &[],
                &[comment],
                ItemKind::Problem,
                &description,
                story.staff.id,
                DEMO_YEAR,
            )
            .await?;
        story.loaded.items += 1;
        let fate = match n % 4 {
            0 => Fate::Closed { rated: false },
            1 => Fate::Answered {
                late: false,
                rated: false,
            },
            _ => Fate::Forwarded { overdue: false },
        };
        let steps: Vec<(f64, Step)> = steps_for(fate, made, rng)
            .into_iter()
            .filter(|(d, _)| *d > 0.05)
            .collect();
        story
            .take_steps(item, site, None, made, &steps, rng)
            .await?;
    }
    Ok(())
}

/// The audit office's findings, imported as a file three months ago; staff forwarded most of
/// them, and units answered many.
async fn audit(
    story: &mut Story<'_>,
    sites: &[Site],
    rng: &mut ChaCha8Rng,
) -> Result<(), AppError> {
    let db = story.db;
    let mut csv = String::from("站点编号,类别,描述,责任单位\n");
    let mut rows = Vec::with_capacity(AUDIT_FINDINGS);
    // The import refuses a finding repeated in one file, as it would a real one.
    let mut found: HashSet<(Uuid, &str)> = HashSet::new();
    while rows.len() < AUDIT_FINDINGS {
        let site = &sites[rng.gen_range(0..sites.len())];
        let kind = if rng.gen_range(0..10) < 8 {
            "问题"
        } else {
            "建议"
        };
        let what = AUDIT[rng.gen_range(0..AUDIT.len())];
        if !found.insert((site.id, what)) {
            continue;
        }
        csv.push_str(&format!(
            "{},{kind},{}：{what},{}\n",
            site.code, site.name, site.unit_zh
        ));
        rows.push(site);
    }
    let cells = crate::import::cells(AUDIT_FILE, csv.as_bytes())?;
    let findings = app::domain::import::parse_sheet(cells)
        .map_err(|e| internal(format!("demo audit file refused: {e:?}")))?;
    let outcome = db
        .import_findings(
            &findings,
            Channel::SpecialAudit,
            AUDIT_FILE,
            story.staff.id,
            DEMO_YEAR,
        )
        .await?;
    let app::items::imports::ImportOutcome::Imported { import, items } = outcome else {
        return Err(internal("the demo audit file was refused"));
    };
    story.loaded.findings = items;
    let imported_days = 92.0;
    db.set_import_clock(import, story.clock.ago(imported_days))
        .await?;
    let items = db.imported_items(import).await?;
    for (item, site) in items.into_iter().zip(rows) {
        let fate = match rng.gen_range(0..20) {
            0..=4 => Fate::Draft,
            5..=7 => Fate::Forwarded {
                overdue: rng.gen_bool(0.5),
            },
            8..=9 => Fate::Acknowledged { overdue: false },
            10..=13 => Fate::Answered {
                late: rng.gen_bool(0.2),
                rated: false,
            },
            _ => Fate::Closed { rated: false },
        };
        let steps = steps_for(fate, imported_days - 1.0, rng);
        story
            .take_steps(item, site, None, imported_days, &steps, rng)
            .await?;
    }
    Ok(())
}
