use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The kinds of site named in the supervision report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Greenway,
    LiftRetrofit,
    EstateRenovation,
    RentalHousing,
    ElderlyDining,
    EvCharging,
    FirstAid,
    School,
    RestStation,
    SkillsTraining,
    Waterway,
    Park,
}

impl SiteKind {
    pub const ALL: [SiteKind; 12] = [
        SiteKind::Greenway,
        SiteKind::LiftRetrofit,
        SiteKind::EstateRenovation,
        SiteKind::RentalHousing,
        SiteKind::ElderlyDining,
        SiteKind::EvCharging,
        SiteKind::FirstAid,
        SiteKind::School,
        SiteKind::RestStation,
        SiteKind::SkillsTraining,
        SiteKind::Waterway,
        SiteKind::Park,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Greenway => "greenway",
            SiteKind::LiftRetrofit => "lift_retrofit",
            SiteKind::EstateRenovation => "estate_renovation",
            SiteKind::RentalHousing => "rental_housing",
            SiteKind::ElderlyDining => "elderly_dining",
            SiteKind::EvCharging => "ev_charging",
            SiteKind::FirstAid => "first_aid",
            SiteKind::School => "school",
            SiteKind::RestStation => "rest_station",
            SiteKind::SkillsTraining => "skills_training",
            SiteKind::Waterway => "waterway",
            SiteKind::Park => "park",
        }
    }

    /// The Chinese name the app shows (the same words as the zh-CN locale, which a test holds
    /// them to), so that a file may name the kind as a person reads it.
    pub fn label_zh(self) -> &'static str {
        match self {
            SiteKind::Greenway => "绿道",
            SiteKind::LiftRetrofit => "加装电梯",
            SiteKind::EstateRenovation => "老旧小区改造",
            SiteKind::RentalHousing => "保障性租赁住房",
            SiteKind::ElderlyDining => "老年助餐点",
            SiteKind::EvCharging => "公共充电设施",
            SiteKind::FirstAid => "院前急救站点",
            SiteKind::School => "学校与食堂",
            SiteKind::RestStation => "爱心驿站",
            SiteKind::SkillsTraining => "职业技能培训点",
            SiteKind::Waterway => "农村水系整治",
            SiteKind::Park => "公园绿地",
        }
    }

    /// The shape a site of this kind is drawn as: greenways and waterways run for kilometres,
    /// estates and parks cover an area, the rest are a door you can walk up to.
    pub fn expected_shape(self) -> Shape {
        match self {
            SiteKind::Greenway | SiteKind::Waterway => Shape::Line,
            SiteKind::EstateRenovation | SiteKind::Park => Shape::Polygon,
            _ => Shape::Point,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Point,
    Line,
    Polygon,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Point => "point",
            Shape::Line => "line",
            Shape::Polygon => "polygon",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown site kind {0:?}")]
pub struct UnknownSiteKind(pub String);

impl FromStr for SiteKind {
    type Err = UnknownSiteKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SiteKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownSiteKind(s.to_owned()))
    }
}

impl TryFrom<String> for SiteKind {
    type Error = UnknownSiteKind;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_have_shapes() {
        for k in SiteKind::ALL {
            assert_eq!(k.as_str().parse::<SiteKind>(), Ok(k));
        }
        assert_eq!(SiteKind::Greenway.expected_shape(), Shape::Line);
        assert_eq!(SiteKind::EstateRenovation.expected_shape(), Shape::Polygon);
        assert_eq!(SiteKind::ElderlyDining.expected_shape(), Shape::Point);
        assert!("mall".parse::<SiteKind>().is_err());
    }
}
