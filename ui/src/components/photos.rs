//! The photos kept with a ticket (what grid workers took on the spot) as thumbnails; a tap or a
//! click shows one large, another closes it. Used on the center's ticket card and the phone.

use leptos::prelude::*;

use crate::i18n::{Lang, Msg};

#[component]
pub fn PhotoStrip(lang: RwSignal<Lang>, urls: Vec<String>) -> impl IntoView {
    let t = move |m: Msg| m.text(lang.get());
    let enlarged = RwSignal::new(None::<String>);
    let thumbs = urls
        .into_iter()
        .enumerate()
        .map(|(i, url)| {
            let big = url.clone();
            view! {
                <button type="button" class="photo-thumb" data-testid="ticket-photo"
                    title=move || t(Msg::SnapshotEnlarge)
                    on:click=move |_| enlarged.set(Some(big.clone()))>
                    <img src=url alt=move || format!("{} {}", t(Msg::TicketPhotos), i + 1) loading="lazy"/>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="photo-strip" data-field="photos">{thumbs}</div>
        {move || enlarged.get().map(|url| view! {
            <div class="snapshot-overlay" data-testid="photo-enlarged" on:click=move |_| enlarged.set(None)>
                <img src=url alt=move || t(Msg::TicketPhotos)/>
            </div>
        })}
    }
}
