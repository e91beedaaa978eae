// Card entry with Stripe.js on the payment page (docs/portal.md), loaded only when the host's payment provider is the
// Stripe adapter: Stripe's card field (a frame from Stripe's origin) takes the card, Stripe answers with a token, and
// only the token is posted with the page's form. The page's policy names Stripe's origin for this page alone.
const area = document.querySelector("[data-vbi-card=stripe]");
const form = area.querySelector("form");
const problem = area.querySelector("[data-vbi=card-problem]");
const button = form.querySelector("button");

if (typeof window.Stripe !== "function") {
    problem.textContent = "Stripe's card field did not load (https://js.stripe.com): no card can be added now. Try again later.";
    button.disabled = true;
} else {
    const stripe = window.Stripe(area.dataset.publishableKey);
    const card = stripe.elements().create("card");
    card.mount("#card-element");
    let tokenized = false;
    form.addEventListener("submit", async event => {
        if (tokenized) return; // the token is in the form: post it
        event.preventDefault();
        button.disabled = true;
        problem.textContent = "";
        const result = await stripe.createToken(card);
        if (result.error) {
            problem.textContent = result.error.message;
            button.disabled = false;
            return;
        }
        form.querySelector("#token").value = result.token.id;
        tokenized = true;
        form.requestSubmit();
    });
}
area.dataset.vbiReady = "true";
