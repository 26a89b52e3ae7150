//! The demo data set: deterministic, invented in the style of the 2025 Hangzhou report, and
//! labelled as demo data wherever it is shown. It reproduces the report's figures: 10 projects,
//! 38 sub-items, 20 lead units, 10 supervision groups, 168 deputies; and 418 sites over the
//! city's 13 districts (greenways as multi-kilometre lines, estates as polygons).

use std::collections::HashSet;

use app::domain::site_kind::Shape;
use app::domain::{LonLat, PublicCode, SiteGeometry, SiteKind};
use app::store::seed::*;
use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// The demo accounts, one per role; all share [`DEMO_PASSWORD`].
pub const DEMO_PASSWORD: &str = "jiandu-demo";
pub const DEMO_YEAR: i32 = 2025;

// Code, Chinese name, English name, centre (lon, lat), spread in degrees.
const DISTRICTS: [(&str, &str, &str, f64, f64, f64); 13] = [
    ("330102", "上城区", "Shangcheng", 120.171, 30.250, 0.025),
    ("330105", "拱墅区", "Gongshu", 120.142, 30.320, 0.025),
    ("330106", "西湖区", "Xihu", 120.110, 30.265, 0.03),
    ("330108", "滨江区", "Binjiang", 120.212, 30.208, 0.02),
    ("330109", "萧山区", "Xiaoshan", 120.264, 30.185, 0.05),
    ("330110", "余杭区", "Yuhang", 119.990, 30.280, 0.05),
    ("330113", "临平区", "Linping", 120.299, 30.419, 0.04),
    ("330114", "钱塘区", "Qiantang", 120.493, 30.323, 0.05),
    ("330111", "富阳区", "Fuyang", 119.960, 30.049, 0.06),
    ("330112", "临安区", "Lin'an", 119.725, 30.234, 0.06),
    ("330122", "桐庐县", "Tonglu", 119.692, 29.797, 0.06),
    ("330127", "淳安县", "Chun'an", 119.042, 29.609, 0.07),
    ("330182", "建德市", "Jiande", 119.282, 29.476, 0.07),
];

const UNITS: [(&str, &str, &str); 20] = [
    (
        "civil-affairs",
        "市民政局",
        "Municipal Civil Affairs Bureau",
    ),
    (
        "construction",
        "市建委",
        "Municipal Urban-Rural Construction Commission",
    ),
    (
        "housing",
        "市住保房管局",
        "Municipal Housing Security and Real Estate Bureau",
    ),
    (
        "gardens",
        "市园文局",
        "Municipal Gardens and Cultural Heritage Bureau",
    ),
    (
        "forestry-water",
        "市林水局",
        "Municipal Forestry and Water Bureau",
    ),
    (
        "development",
        "市发改委",
        "Municipal Development and Reform Commission",
    ),
    (
        "urban-mgmt",
        "市城管局",
        "Municipal Urban Management Bureau",
    ),
    ("health", "市卫健委", "Municipal Health Commission"),
    ("red-cross", "市红十字会", "Municipal Red Cross Society"),
    ("education", "市教育局", "Municipal Education Bureau"),
    (
        "market",
        "市市场监管局",
        "Municipal Market Supervision Bureau",
    ),
    (
        "hr-social",
        "市人社局",
        "Municipal Human Resources and Social Security Bureau",
    ),
    (
        "disabled",
        "市残联",
        "Municipal Disabled Persons' Federation",
    ),
    (
        "trade-union",
        "市总工会",
        "Municipal Federation of Trade Unions",
    ),
    ("postal", "市邮政管理局", "Municipal Postal Administration"),
    (
        "fire",
        "市消防救援支队",
        "Municipal Fire and Rescue Detachment",
    ),
    ("transport", "市交通运输局", "Municipal Transport Bureau"),
    (
        "agriculture",
        "市农业农村局",
        "Municipal Agriculture and Rural Affairs Bureau",
    ),
    ("sports", "市体育局", "Municipal Sports Bureau"),
    (
        "ecology",
        "市生态环境局",
        "Municipal Ecology and Environment Bureau",
    ),
];

struct Sub {
    zh: &'static str,
    en: &'static str,
    kind: SiteKind,
    unit: &'static str,
    qty: i32,
    unit_zh: &'static str,
    unit_en: &'static str,
}

const fn sub(
    zh: &'static str,
    en: &'static str,
    kind: SiteKind,
    unit: &'static str,
    qty: i32,
    unit_zh: &'static str,
    unit_en: &'static str,
) -> Sub {
    Sub {
        zh,
        en,
        kind,
        unit,
        qty,
        unit_zh,
        unit_en,
    }
}

use SiteKind::*;

#[rustfmt::skip]
fn projects() -> Vec<(&'static str, &'static str, &'static str, &'static str, Vec<Sub>)> {
    vec![
        ("幸福养老", "Happy ageing", "（演示）扩大老年助餐和居家养老服务覆盖。", "(Demo) Wider meal and home-care services for older people.", vec![
            sub("新建老年助餐点", "New elderly dining points", ElderlyDining, "civil-affairs", 200, "个", "points"),
            sub("提升居家养老服务中心", "Upgraded home-care service centres", ElderlyDining, "civil-affairs", 60, "个", "centres"),
            sub("建设农村老年食堂", "Rural elderly canteens", ElderlyDining, "agriculture", 80, "个", "canteens"),
            sub("社区嵌入式养老服务站", "Community-embedded care stations", ElderlyDining, "health", 40, "个", "stations"),
        ]),
        ("美好家园", "Better surroundings", "（演示）绿道、水系和口袋公园建设。", "(Demo) Greenways, waterways and pocket parks.", vec![
            sub("新（改）建绿道", "New and upgraded greenways", Greenway, "gardens", 100, "公里", "km"),
            sub("农村水系综合整治", "Rural waterway improvement", Waterway, "forestry-water", 30, "条", "waterways"),
            sub("新建口袋公园", "New pocket parks", Park, "gardens", 50, "个", "parks"),
            sub("城市河道生态修复", "Urban river restoration", Waterway, "ecology", 20, "条", "rivers"),
        ]),
        ("安居工程", "Secure housing", "（演示）老旧小区改造、加装电梯和保障性租赁住房。", "(Demo) Old-estate renovation, lift retrofits and affordable rentals.", vec![
            sub("城镇老旧小区改造", "Old-estate renovation", EstateRenovation, "construction", 150, "个小区", "estates"),
            sub("既有住宅加装电梯", "Lifts for existing residential buildings", LiftRetrofit, "construction", 1000, "台", "lifts"),
            sub("筹集保障性租赁住房", "Affordable rental housing", RentalHousing, "housing", 30000, "套", "homes"),
            sub("老旧小区二次供水改造", "Water supply upgrades in old estates", EstateRenovation, "forestry-water", 40, "个小区", "estates"),
        ]),
        ("便捷充电", "Convenient charging", "（演示）公共充电设施和电动自行车充电点。", "(Demo) Public EV chargers and e-bike charging points.", vec![
            sub("新建公共充电桩", "New public EV chargers", EvCharging, "development", 5000, "个", "chargers"),
            sub("居民区电动自行车集中充电点", "Residential e-bike charging points", EvCharging, "fire", 2000, "个", "points"),
            sub("公交场站充电设施", "Bus depot charging", EvCharging, "transport", 30, "个", "depots"),
            sub("社区停车充电一体化", "Community parking with charging", EvCharging, "urban-mgmt", 60, "个", "car parks"),
        ]),
        ("健康守护", "Health guard", "（演示）院前急救网络和公共场所AED。", "(Demo) Pre-hospital first aid and AEDs in public places.", vec![
            sub("新建院前急救站点", "New pre-hospital first-aid stations", FirstAid, "health", 20, "个", "stations"),
            sub("公共场所配置AED", "AEDs in public places", FirstAid, "red-cross", 1500, "台", "AEDs"),
            sub("社区卫生服务站提升", "Upgraded community health stations", FirstAid, "health", 40, "个", "stations"),
            sub("体育场馆急救点", "First-aid points at sports venues", FirstAid, "sports", 30, "个", "points"),
        ]),
        ("教育提质", "Better schools", "（演示）新建学校、阳光厨房和校园设施开放。", "(Demo) New schools, open-kitchen canteens and shared grounds.", vec![
            sub("新建改扩建中小学", "New and expanded schools", School, "education", 30, "所", "schools"),
            sub("校园食堂“阳光厨房”提升", "Open-kitchen school canteens", School, "market", 300, "个", "canteens"),
            sub("学校体育场地开放", "School sports grounds opened to residents", School, "sports", 100, "所", "schools"),
            sub("中小学心理辅导站", "School counselling rooms", School, "education", 80, "个", "rooms"),
        ]),
        ("就业创业", "Jobs and skills", "（演示）30分钟职业技能培训圈和零工市场。", "(Demo) Skills training within 30 minutes and gig-work markets.", vec![
            sub("30分钟职业技能培训圈", "30-minute skills-training points", SkillsTraining, "hr-social", 100, "个", "points"),
            sub("建设零工市场", "Gig-work markets", SkillsTraining, "hr-social", 20, "个", "markets"),
            sub("残疾人就业帮扶基地", "Disability employment bases", SkillsTraining, "disabled", 15, "个", "bases"),
        ]),
        ("暖心驿站", "Warm stations", "（演示）户外劳动者和快递小哥驿站。", "(Demo) Rest stations for outdoor workers and couriers.", vec![
            sub("户外劳动者爱心驿站", "Rest stations for outdoor workers", RestStation, "trade-union", 300, "个", "stations"),
            sub("快递小哥驿站", "Courier rest stations", RestStation, "postal", 100, "个", "stations"),
            sub("环卫工人休息点", "Sanitation workers' rest points", RestStation, "urban-mgmt", 150, "个", "points"),
            sub("新就业群体服务站", "Service hubs for new-economy workers", RestStation, "trade-union", 50, "个", "hubs"),
        ]),
        ("城市更新", "Neighbourhood renewal", "（演示）背街小巷、社区运动场地和绿地提质。", "(Demo) Back streets, community sports grounds and green spaces.", vec![
            sub("背街小巷改善", "Back-street improvement", EstateRenovation, "urban-mgmt", 200, "条", "streets"),
            sub("社区运动场地", "Community sports grounds", Park, "sports", 60, "个", "grounds"),
            sub("城市绿地提质", "Green-space upgrades", Park, "ecology", 40, "处", "sites"),
            sub("退役军人就业服务站", "Veterans' employment stations", SkillsTraining, "hr-social", 13, "个", "stations"),
        ]),
        ("乡村提质", "Better villages", "（演示）乡村绿道、生活污水治理和乡村公交充电。", "(Demo) Rural greenways, sewage treatment and rural bus charging.", vec![
            sub("美丽乡村绿道", "Rural greenways", Greenway, "agriculture", 60, "公里", "km"),
            sub("农村生活污水治理", "Rural sewage treatment", Waterway, "ecology", 100, "个村", "villages"),
            sub("乡村公交充电站", "Rural bus charging stations", EvCharging, "transport", 20, "个", "stations"),
        ]),
    ]
}

/// Units each supervision group follows (supervision is by unit, not by project). Group 1 — the
/// demo deputy's — follows three units.
const GROUP_UNITS: [&[&str]; 10] = [
    &["civil-affairs", "health", "agriculture"],
    &["construction", "housing"],
    &["gardens", "forestry-water"],
    &["development", "transport"],
    &["urban-mgmt", "fire"],
    &["red-cross", "sports"],
    &["education", "market"],
    &["hr-social", "disabled"],
    &["trade-union", "postal"],
    &["ecology"],
];

const PLACES: [(&str, &str); 32] = [
    ("望江", "Wangjiang"),
    ("湖滨", "Hubin"),
    ("运河", "Yunhe"),
    ("钱江", "Qianjiang"),
    ("丁桥", "Dingqiao"),
    ("三墩", "Sandun"),
    ("闻堰", "Wenyan"),
    ("良渚", "Liangzhu"),
    ("星桥", "Xingqiao"),
    ("义蓬", "Yipeng"),
    ("银湖", "Yinhu"),
    ("锦城", "Jincheng"),
    ("富春", "Fuchun"),
    ("千岛", "Qiandao"),
    ("新安", "Xin'an"),
    ("梅城", "Meicheng"),
    ("翠苑", "Cuiyuan"),
    ("古荡", "Gudang"),
    ("长河", "Changhe"),
    ("浦沿", "Puyan"),
    ("北干", "Beigan"),
    ("瓜沥", "Guali"),
    ("仓前", "Cangqian"),
    ("塘栖", "Tangqi"),
    ("白杨", "Baiyang"),
    ("河庄", "Hezhuang"),
    ("银湖", "Yinhu"),
    ("青山", "Qingshan"),
    ("分水", "Fenshui"),
    ("汾口", "Fenkou"),
    ("寿昌", "Shouchang"),
    ("半山", "Banshan"),
];

fn site_name(kind: SiteKind, place: (&str, &str), n: usize) -> (String, String) {
    let (zh, en) = place;
    match kind {
        Greenway => (
            format!("{zh}绿道（{n}段）"),
            format!("{en} Greenway, section {n}"),
        ),
        LiftRetrofit => (
            format!("{zh}新村{n}幢加装电梯"),
            format!("{en} Estate block {n} lift"),
        ),
        EstateRenovation => (
            format!("{zh}小区（{n}期）改造"),
            format!("{en} Estate phase {n} renovation"),
        ),
        RentalHousing => (
            format!("{zh}保障性租赁住房{n}号地块"),
            format!("{en} affordable rentals, plot {n}"),
        ),
        ElderlyDining => (
            format!("{zh}社区老年食堂{n}号点"),
            format!("{en} elderly canteen no. {n}"),
        ),
        EvCharging => (
            format!("{zh}公共充电站{n}号"),
            format!("{en} charging station no. {n}"),
        ),
        FirstAid => (
            format!("{zh}急救站点{n}号"),
            format!("{en} first-aid point no. {n}"),
        ),
        School => (
            format!("{zh}实验学校（{n}）"),
            format!("{en} Experimental School ({n})"),
        ),
        RestStation => (
            format!("{zh}爱心驿站{n}号"),
            format!("{en} rest station no. {n}"),
        ),
        SkillsTraining => (
            format!("{zh}技能培训点{n}号"),
            format!("{en} skills-training point no. {n}"),
        ),
        Waterway => (
            format!("{zh}河道整治（{n}段）"),
            format!("{en} waterway, section {n}"),
        ),
        Park => (
            format!("{zh}口袋公园{n}号"),
            format!("{en} pocket park no. {n}"),
        ),
    }
}

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢",
];
const GIVEN: [&str; 28] = [
    "建国", "丽", "伟", "芳", "敏", "静", "强", "磊", "洋", "艳", "军", "杰", "娟", "涛", "明",
    "超", "霞", "平", "刚", "桂英", "晓峰", "海燕", "志强", "秀兰", "文博", "佳怡", "子涵", "浩然",
];

/// Time-ordered ids that are the same on every run, so reloading the demo data finds its rows.
pub(crate) struct Ids {
    pub(crate) rng: ChaCha8Rng,
    pub(crate) ms: u64,
}

impl Ids {
    pub(crate) fn next(&mut self) -> Uuid {
        self.ms += 1;
        let bytes: [u8; 10] = self.rng.gen();
        uuid::Builder::from_unix_timestamp_millis(self.ms, &bytes).into_uuid()
    }
}

pub fn generate() -> SeedData {
    // 2025-06-01T00:00:00Z: after the projects were voted on.
    let mut ids = Ids {
        rng: ChaCha8Rng::seed_from_u64(0x4a49_414e_4455),
        ms: 1_748_736_000_000,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(2025);

    let districts: Vec<SeedDistrict> = DISTRICTS
        .iter()
        .map(|(code, zh, en, ..)| SeedDistrict {
            id: ids.next(),
            code: (*code).into(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
        })
        .collect();
    let units: Vec<SeedUnit> = UNITS
        .iter()
        .map(|(code, zh, en)| SeedUnit {
            id: ids.next(),
            code: (*code).into(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
        })
        .collect();
    let unit_id = |code: &str| {
        units
            .iter()
            .find(|u| u.code == code)
            .map(|u| u.id)
            .unwrap_or_else(|| panic!("demo data names unknown unit {code}"))
    };

    let mut data = SeedData {
        demo: true,
        ..Default::default()
    };
    let mut codes = HashSet::new();
    let mut site_no = 0usize;
    for (pi, (zh, en, sum_zh, sum_en, subs)) in projects().into_iter().enumerate() {
        let project_id = ids.next();
        data.projects.push(SeedProject {
            id: project_id,
            year: DEMO_YEAR,
            number: pi as i32 + 1,
            title_zh: zh.into(),
            title_en: en.into(),
            summary_zh: sum_zh.into(),
            summary_en: sum_en.into(),
        });
        for (si, s) in subs.into_iter().enumerate() {
            let sub_id = ids.next();
            let month = 9 + (si as u32 + pi as u32) % 4; // Sept–Dec
            let deadline =
                NaiveDate::from_ymd_opt(DEMO_YEAR, month, if month == 12 { 31 } else { 30 })
                    .expect("valid demo date");
            data.sub_items.push(SeedSubItem {
                id: sub_id,
                project_id,
                number: si as i32 + 1,
                title_zh: s.zh.into(),
                title_en: s.en.into(),
                lead_unit_id: unit_id(s.unit),
                target_quantity: s.qty,
                target_unit_zh: s.unit_zh.into(),
                target_unit_en: s.unit_en.into(),
                deadline,
                budget_yuan: rng.gen_range(200..8_000) * 10_000,
            });
            for n in 1..=11 {
                site_no += 1;
                let d = (site_no * 7 + si) % DISTRICTS.len();
                let (_, dzh, _, lon, lat, spread) = DISTRICTS[d];
                let place = PLACES[rng.gen_range(0..PLACES.len())];
                let (name_zh, name_en) = site_name(s.kind, place, n);
                let centre = LonLat {
                    lon: lon + rng.gen_range(-spread..spread),
                    lat: lat + rng.gen_range(-spread..spread) * 0.8,
                };
                let geometry = shape_for(s.kind, centre, &mut rng);
                let public_code = loop {
                    let c = PublicCode::from_random(rng.gen());
                    if codes.insert(c.clone()) {
                        break c;
                    }
                };
                data.sites.push(SeedSite {
                    id: ids.next(),
                    sub_item_id: sub_id,
                    district_id: districts[d].id,
                    name_zh,
                    name_en,
                    address_zh: format!(
                        "杭州市{dzh}{}路{}号（演示地址）",
                        place.0,
                        rng.gen_range(1..400)
                    ),
                    kind: s.kind,
                    geometry,
                    public_code,
                });
            }
        }
    }

    let sizes = [17, 17, 17, 17, 17, 17, 17, 17, 16, 16];
    let mut person = 0usize;
    for (gi, unit_codes) in GROUP_UNITS.iter().enumerate() {
        let group_id = ids.next();
        data.groups.push(SeedGroup {
            id: group_id,
            number: gi as i32 + 1,
            name_zh: format!("第{}监督小组", gi + 1),
            name_en: format!("Group {}", gi + 1),
            unit_ids: unit_codes.iter().map(|c| unit_id(c)).collect(),
        });
        for _ in 0..sizes[gi] {
            let name = format!(
                "{}{}",
                SURNAMES[person % SURNAMES.len()],
                GIVEN[(person * 5 + person / SURNAMES.len()) % GIVEN.len()]
            );
            data.deputies.push(SeedDeputy {
                id: ids.next(),
                name_zh: name,
                delegation_zh: format!("{}代表团", DISTRICTS[person % DISTRICTS.len()].1),
                group_id,
            });
            person += 1;
        }
    }
    data.districts = districts;
    data.units = units;
    data
}

fn shape_for(kind: SiteKind, c: LonLat, rng: &mut ChaCha8Rng) -> SiteGeometry {
    match kind.expected_shape() {
        Shape::Point => SiteGeometry::point(c),
        Shape::Line => {
            // A walkable route of 2–6 km: 6–9 vertices, each 300–800 m on from the last,
            // wandering around a main heading.
            let heading: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            let mut p = c;
            let mut pts = vec![p];
            for _ in 0..rng.gen_range(6..10) {
                let h = heading + rng.gen_range(-0.6..0.6);
                let step = rng.gen_range(0.003..0.008);
                p = LonLat {
                    lon: p.lon + step * h.cos(),
                    lat: p.lat + step * h.sin() * 0.9,
                };
                pts.push(p);
            }
            SiteGeometry::line(&pts).expect("generated greenway has distinct points")
        }
        Shape::Polygon => {
            // An estate or park of roughly 150–350 m across, five or six corners.
            let n = rng.gen_range(5..7);
            let r = rng.gen_range(0.0008..0.0018);
            let ring: Vec<LonLat> = (0..n)
                .map(|i| {
                    let a = i as f64 / n as f64 * std::f64::consts::TAU;
                    let rr = r * rng.gen_range(0.8..1.2);
                    LonLat {
                        lon: c.lon + rr * a.cos(),
                        lat: c.lat + rr * a.sin() * 0.9,
                    }
                })
                .collect();
            SiteGeometry::polygon(&ring).expect("generated estate encloses an area")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_reports_figures() {
        let d = generate();
        assert_eq!(d.projects.len(), 10);
        assert_eq!(d.sub_items.len(), 38);
        assert_eq!(d.units.len(), 20);
        assert_eq!(d.groups.len(), 10);
        assert_eq!(d.deputies.len(), 168);
        assert!(d.sites.len() >= 400);
        assert_eq!(d.districts.len(), 13);
        // Every unit leads something and is supervised by exactly one group.
        let mut supervised: Vec<_> = d.groups.iter().flat_map(|g| g.unit_ids.clone()).collect();
        supervised.sort();
        supervised.dedup();
        assert_eq!(supervised.len(), 20);
        for u in &d.units {
            assert!(
                d.sub_items.iter().any(|s| s.lead_unit_id == u.id),
                "{} leads nothing",
                u.code
            );
        }
        // Every district has sites.
        for dist in &d.districts {
            assert!(
                d.sites.iter().any(|s| s.district_id == dist.id),
                "{} empty",
                dist.name_zh
            );
        }
    }

    #[test]
    fn is_deterministic_and_well_formed() {
        let a = generate();
        let b = generate();
        assert_eq!(
            a.sites
                .iter()
                .map(|s| (s.id, s.public_code.clone()))
                .collect::<Vec<_>>(),
            b.sites
                .iter()
                .map(|s| (s.id, s.public_code.clone()))
                .collect::<Vec<_>>()
        );
        for s in &a.sites {
            assert!(app::domain::geometry::check_shape_for_kind(s.kind, &s.geometry).is_ok());
            assert!(s.geometry.clone().validate().is_ok());
            let p = s.geometry.anchor();
            assert!(
                (118.3..120.8).contains(&p.lon) && (29.1..30.6).contains(&p.lat),
                "{p:?}"
            );
            if s.kind == Greenway {
                let km = s.geometry.length_m() / 1000.0;
                assert!((1.5..8.0).contains(&km), "greenway of {km} km");
            }
        }
        let ids: HashSet<_> = a.sites.iter().map(|s| s.id).collect();
        assert_eq!(ids.len(), a.sites.len());
    }
}
